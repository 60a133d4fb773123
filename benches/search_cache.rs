//! Search cache benchmark (a bench binary, not criterion): on an existing vault, times the
//! phases of a warm `tandem search` in one process: unlock (scrypt), building the template
//! library, listing the record files, reading and decrypting the cache, the whole
//! `SearchCache::load` (listing, reading, decoding, checking stamps), and a query; then a
//! cold load (no cache file: every record read) if asked.
//!
//! Run: `TANDEM_PASSPHRASE=… cargo bench --bench search_cache -- VAULT_DIR [--cold]` on a
//! vault made as in scripts/search-bench.sh. `--cold` deletes the vault's search cache
//! first. Results go in BENCHMARKS.md by hand.

use secrecy::SecretString;
use std::time::Instant;
use tandem::practice::search::SearchCache;
use tandem::template::Library;
use tandem::vault::{Access, CacheFile, Vault};

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some(root) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: search_cache VAULT_DIR [--cold]");
        std::process::exit(2);
    };
    let root = std::path::Path::new(root);
    let cold = args.iter().any(|a| a == "--cold");
    let passphrase = SecretString::from(
        std::env::var("TANDEM_PASSPHRASE").unwrap_or_else(|_| "benchmark passphrase".into()),
    );

    let start = Instant::now();
    let t = Instant::now();
    let vault = Vault::open(root, Some(&passphrase), Access::ReadWrite).expect("open");
    println!("unlock (scrypt)        {:8.1} ms", ms(t));
    let t = Instant::now();
    let library = Library::builtin();
    println!("template library       {:8.1} ms", ms(t));
    let reader = vault.reader();
    if cold {
        let _ = std::fs::remove_file(root.join("records").join("search.age"));
    }
    let t = Instant::now();
    let listing = reader.list().expect("list");
    println!(
        "list record files      {:8.1} ms ({} files)",
        ms(t),
        listing.files.len()
    );
    let t = Instant::now();
    let size = match reader.read_search_cache().expect("read") {
        CacheFile::Found(bytes) => bytes.len(),
        CacheFile::Missing | CacheFile::Damaged => 0,
    };
    println!(
        "read + decrypt cache   {:8.1} ms ({:.1} MiB decrypted)",
        ms(t),
        size as f64 / 1048576.0
    );
    let t = Instant::now();
    let (cache, report) = SearchCache::load(&reader, &library).expect("load");
    println!(
        "SearchCache::load      {:8.1} ms (rebuilt {:?}, {} read, {} removed, written {})",
        ms(t),
        report.rebuilt,
        report.records_read,
        report.records_removed,
        report.written
    );
    for query in ["feel", "G-00500"] {
        let t = Instant::now();
        let results = cache.search(query);
        println!(
            "search {query:<15} {:8.1} ms ({} hits)",
            ms(t),
            results.total
        );
    }
    let t = Instant::now();
    let bytes = cache.index().to_bytes();
    println!(
        "index to bytes         {:8.1} ms ({:.1} MiB)",
        ms(t),
        bytes.len() as f64 / 1048576.0
    );
    let t = Instant::now();
    let decoded = tandem::clinical::SearchIndex::from_bytes(&bytes).expect("decode");
    println!("index from bytes       {:8.1} ms", ms(t));
    drop(decoded);
    let t = Instant::now();
    drop(cache);
    println!("drop the index         {:8.1} ms", ms(t));
    println!("total                  {:8.1} ms", ms(start));
}
