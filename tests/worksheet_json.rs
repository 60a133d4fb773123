//! The browser worksheet's JSON (take-home format 2) from the Rust side: what Tandem
//! writes for the page passes `web/schema/worksheet.schema.json` (the file the page's
//! own tests check against too), and a format-2 file filled as the page fills it is
//! brought back with `tandem import-worksheet` like a format-1 file, answers and all.

mod common;

use common::{SHEET_PASS, ok, tandem_with_sheet as tandem};
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use tandem::model::worksheet_json::{WebAnswer, WebKind, WebWho, WebWorksheet};
use tandem::vault::takehome::{read_take_home, seal_web_worksheet};

const CANARY: &str = "CANARY-FROM-THE-BROWSER-PAGE-7731";

fn schema() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/schema/worksheet.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema")).expect("json");
    jsonschema::validator_for(&schema).expect("a valid schema")
}

fn assert_valid(validator: &jsonschema::Validator, value: &serde_json::Value) {
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn the_schemas_example_is_valid_and_reads_as_a_worksheet() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/schema/example.json");
    let text = std::fs::read_to_string(path).expect("example");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_valid(&schema(), &value);
    let web: WebWorksheet = serde_json::from_str(&text).expect("the Rust side reads it");
    let file = web.into_file().expect("a worksheet");
    assert_eq!(file.name_a, "Robin");
    // And a schema that cannot fail is no check: an unknown field is refused.
    let mut broken = value.clone();
    broken["surprise"] = serde_json::Value::Bool(true);
    assert!(!schema().is_valid(&broken));
}

#[test]
fn a_format_2_worksheet_filled_as_the_page_fills_it_is_imported_like_any_other() {
    let dir = tempfile::tempdir().expect("temp");
    let vault: PathBuf = dir.path().join("vault");
    ok(&tandem(&vault, &["init", "--demo", "--kdf-log-n", "10"]));
    // A couple cleared for joint work.
    let couple = common::couples_by_clearance(&vault).0[0].id.0.to_string();
    let issued = dir.path().join("check-in.tandem-worksheet");
    let printed = ok(&tandem(
        &vault,
        &[
            "worksheet",
            "weekly-check-in",
            "--take-home",
            "--couple",
            &couple,
            "--audience",
            "couple",
            "-o",
            issued.to_str().expect("path"),
            "--kdf-log-n",
            "10",
        ],
    ));
    assert!(printed.contains("wrote take-home worksheet"), "{printed}");

    // What Tandem gives the page for this worksheet passes the schema.
    let pass = SecretString::from(SHEET_PASS.to_string());
    let file = read_take_home(&issued, &pass).expect("opens");
    let template = tandem::template::Library::builtin()
        .get("weekly-check-in")
        .expect("shipped")
        .clone();
    let mut web = tandem::runner::takehome::web_worksheet(&template, &file);
    let value = serde_json::to_value(&web).expect("json");
    assert_valid(&schema(), &value);
    assert!(!web.form.parts.is_empty());
    // No therapist text reaches the page.
    for step in &template.steps {
        if !step.therapist.trim().is_empty() {
            assert!(
                !value.to_string().contains(step.therapist.as_str()),
                "{}",
                step.id
            );
        }
    }

    // The page fills the first text field for both of them, and saves.
    let part = web
        .form
        .parts
        .iter()
        .find(|p| p.kind == WebKind::Text)
        .expect("a text step")
        .clone();
    let who = part
        .respondents
        .as_ref()
        .and_then(|r| r.first().copied())
        .unwrap_or(WebWho::Joint);
    web.answers.push(WebAnswer {
        step: part.step.clone(),
        kind: WebKind::Text,
        who: Some(who),
        text: Some(CANARY.to_string()),
        chosen: None,
        ticked: None,
        rater: None,
        item: None,
        value: None,
        questions: None,
    });
    web.worksheet.filled_at = Some(chrono::Utc::now());
    assert_valid(&schema(), &serde_json::to_value(&web).expect("json"));
    let sealed = seal_web_worksheet(&web, &pass, 10).expect("sealed");
    let back = dir.path().join("check-in-answers.tandem-worksheet");
    std::fs::write(&back, &sealed).expect("written");
    assert!(
        !sealed.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()),
        "sealed, not plain"
    );

    let printed = ok(&tandem(
        &vault,
        &[
            "import-worksheet",
            back.to_str().expect("path"),
            "--couple",
            &couple,
        ],
    ));
    assert!(
        printed.contains("imported the weekly-check-in worksheet"),
        "{printed}"
    );
    let id = printed.split_whitespace().last().expect("id");
    let dumped = ok(&tandem(&vault, &["dump", "session", id]));
    assert!(dumped.contains(CANARY), "{dumped}");
}

#[test]
fn tandem_worksheet_html_writes_one_page_holding_the_sealed_worksheet_and_nothing_readable() {
    let dir = tempfile::tempdir().expect("temp");
    let vault: PathBuf = dir.path().join("vault");
    ok(&tandem(&vault, &["init", "--demo", "--kdf-log-n", "10"]));
    let cleared = &common::couples_by_clearance(&vault).0[0];
    let (couple, names) = (
        cleared.id.0.to_string(),
        (
            cleared.partner_a.name.clone(),
            cleared.partner_b.name.clone(),
        ),
    );
    let page = dir.path().join("check-in.html");
    let printed = ok(&tandem(
        &vault,
        &[
            "worksheet",
            "weekly-check-in",
            "--take-home",
            "--html",
            "--couple",
            &couple,
            "--audience",
            "partner-a",
            "-o",
            page.to_str().expect("path"),
            "--kdf-log-n",
            "10",
        ],
    ));
    assert!(printed.contains("wrote take-home worksheet"), "{printed}");
    let html = std::fs::read_to_string(&page).expect("page");
    // The page forbids every request, and carries nothing readable of the couple.
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("default-src 'none'"));
    assert!(
        !html.contains("__TANDEM_WORKSHEET__") && !html.contains("__TANDEM_FILE__"),
        "both markers replaced"
    );
    assert!(!html.contains(&names.0) && !html.contains(&names.1));
    assert!(html.contains("data-file=\"check-in\""));
    // The payload is the sealed format-2 worksheet.
    let start = html
        .find("id=\"tandem-worksheet\"")
        .expect("payload element");
    let body_start = html[start..].find('>').expect("tag end") + start + 1;
    let body_end = html[body_start..].find("</script>").expect("end") + body_start;
    use base64::Engine as _;
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(html[body_start..body_end].trim())
        .expect("base64");
    let file = tandem::vault::takehome::open_take_home(
        &sealed,
        &SecretString::from(SHEET_PASS.to_string()),
    )
    .expect("opens with the couple's passphrase");
    assert_eq!(file.name_a, names.0);
    assert_eq!(
        file.for_whom,
        tandem::model::WorksheetFor::Partner(tandem::model::Partner::A)
    );
    // And what it holds passes the schema.
    let plain = age_decrypt(&sealed, SHEET_PASS);
    let value: serde_json::Value = serde_json::from_slice(&plain).expect("json");
    assert_valid(&schema(), &value);
}

fn age_decrypt(sealed: &[u8], passphrase: &str) -> Vec<u8> {
    let identity = age::scrypt::Identity::new(SecretString::from(passphrase.to_string()));
    age::decrypt(&identity, sealed).expect("decrypts")
}
