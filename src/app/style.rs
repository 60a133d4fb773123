//! Tandem's look, in one place: the light and dark themes, the type scale, spacing, the
//! panels' frames, the icon font and the icons of the main actions, and the sizes of the
//! couple's screen. Installed when a window opens; `follow` keeps the theme in step with
//! the chosen appearance and the system's setting, once a frame. Views ask here for text
//! styles, frames and icons; no colour or size is chosen anywhere else.
//!
//! The type scale: the chrome (buttons, tabs, status) is small, what is read aloud to the
//! couple (the script) and what is typed during a session (the fields) is large, and the
//! couple's own screen is larger still.

use crate::model::Appearance;
use egui::epaint::Shadow;
use egui::{
    Color32, CornerRadius, FontFamily, FontId, Frame, Margin, Stroke, Style, TextStyle, Theme,
    Visuals, vec2,
};
use std::sync::Arc;

pub use egui_material_icons::MaterialIcon as Icon;

/// The theme to show: the person's choice, or the system's when they left it to the
/// system, and light when the system says nothing (as under a bare X server).
pub fn theme_for(appearance: Appearance, system: Option<Theme>) -> Theme {
    match appearance {
        Appearance::Light => Theme::Light,
        Appearance::Dark => Theme::Dark,
        Appearance::System => system.unwrap_or(Theme::Light),
    }
}

/// Install the fonts and both themes' styles on a window's context.
pub fn install(ctx: &egui::Context) {
    egui_material_icons::initialize(ctx);
    ctx.set_style_of(Theme::Light, style_of(Theme::Light));
    ctx.set_style_of(Theme::Dark, style_of(Theme::Dark));
    ctx.options_mut(|o| o.fallback_theme = Theme::Light);
    ctx.data_mut(|d| d.insert_temp(installed_id(), true));
}

/// Show the theme `appearance` asks for, given what the system says now, on the window
/// `ui` is the root of (installing the style first if this window has not had it). Cheap
/// when nothing changes: a look-up and a comparison. Call it first thing in a frame: a
/// change also restyles `ui`, so the whole frame is drawn in one style.
pub fn follow(ui: &mut egui::Ui, appearance: Appearance) {
    let ctx = ui.ctx().clone();
    let installed = ctx
        .data(|d| d.get_temp::<bool>(installed_id()))
        .unwrap_or(false);
    if !installed {
        install(&ctx);
    }
    let theme = theme_for(appearance, ctx.system_theme());
    let changed = ctx.theme() != theme;
    if changed {
        ctx.set_theme(theme);
    }
    if !installed || changed {
        ui.set_style(ctx.style_of(theme));
    }
}

fn installed_id() -> egui::Id {
    egui::Id::unique("tandem-style-installed")
}

/// The couple-facing script on the therapist's screen (prompts read aloud).
pub fn script() -> TextStyle {
    TextStyle::Name(Arc::from("script"))
}

/// The fields typed into during a session and in notes.
pub fn field() -> TextStyle {
    TextStyle::Name(Arc::from("field"))
}

/// Sizes on the couple's screen, from the width of its window: large at any size, larger
/// on a large screen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PresentSizes {
    pub title: f32,
    pub prompt: f32,
    pub line: f32,
    pub timer: f32,
    /// The widest a line of text may run before it wraps.
    pub measure: f32,
}

pub fn present_sizes(width: f32) -> PresentSizes {
    let prompt = (width / 32.0).clamp(28.0, 52.0);
    PresentSizes {
        title: prompt * 1.4,
        prompt,
        line: prompt * 0.9,
        timer: prompt * 0.8,
        measure: (prompt * 26.0).min(width - 64.0).max(200.0),
    }
}

/// The central area's frame: generous margins.
pub fn central_frame(style: &Style) -> Frame {
    Frame::new()
        .inner_margin(Margin::symmetric(28, 18))
        .fill(style.visuals.panel_fill)
}

/// A side panel's frame (the couples list, the steps, the therapist's notes).
pub fn side_frame(style: &Style) -> Frame {
    Frame::new()
        .inner_margin(Margin::symmetric(16, 14))
        .fill(side_fill(&style.visuals))
        .stroke(Stroke::NONE)
}

/// A bar's frame (a screen's top bar, the session's header and navigation, the status).
pub fn bar_frame(style: &Style) -> Frame {
    Frame::new()
        .inner_margin(Margin::symmetric(20, 8))
        .fill(side_fill(&style.visuals))
}

/// A group of related things on a page (safety, a commitment, a question).
pub fn card_frame(style: &Style) -> Frame {
    Frame::new()
        .inner_margin(Margin::same(14))
        .corner_radius(CornerRadius::same(10))
        .fill(style.visuals.faint_bg_color)
}

/// A dialog's contents: as tall as they are, up to what the window has room for, then
/// they scroll (a dialog is never cut off at the bottom of a short window).
pub fn dialog_body<R>(ui: &mut egui::Ui, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    let room = (ui.ctx().content_rect().height() - 160.0).max(200.0);
    // The window is only as tall as it was last frame: give the area room to grow into.
    egui::ScrollArea::vertical()
        .id_salt("dialog-body")
        .max_height(room)
        .min_scrolled_height(room)
        .show(ui, add)
        .inner
}

fn side_fill(visuals: &Visuals) -> Color32 {
    if visuals.dark_mode {
        Color32::from_rgb(0x23, 0x26, 0x29)
    } else {
        Color32::from_rgb(0xEE, 0xEB, 0xE4)
    }
}

/// The icons of the main actions (Material Symbols, outlined).
pub mod icon {
    use super::Icon;
    use egui_material_icons::icons as m;

    pub const ADD_COUPLE: Icon = m::ICON_PERSON_ADD;
    pub const APPEARANCE: Icon = m::ICON_CONTRAST;
    pub const BACK: Icon = m::ICON_ARROW_BACK;
    pub const CLOSE: Icon = m::ICON_CLOSE;
    pub const CONFIRMED: Icon = m::ICON_CHECK;
    pub const CORRECTED: Icon = m::ICON_EDIT;
    pub const COUPLES_HIDE: Icon = m::ICON_LEFT_PANEL_CLOSE;
    pub const COUPLES_SHOW: Icon = m::ICON_LEFT_PANEL_OPEN;
    pub const DONE: Icon = m::ICON_DONE_ALL;
    pub const EDIT: Icon = m::ICON_EDIT;
    pub const END: Icon = m::ICON_STOP_CIRCLE;
    pub const EXPORT: Icon = m::ICON_PICTURE_AS_PDF;
    pub const FILE: Icon = m::ICON_FILE_OPEN;
    pub const FOLDER: Icon = m::ICON_FOLDER_OPEN;
    pub const HIDE: Icon = m::ICON_VISIBILITY_OFF;
    pub const KEYBOARD: Icon = m::ICON_KEYBOARD;
    pub const LOCK: Icon = m::ICON_LOCK;
    pub const MORE: Icon = m::ICON_ADD;
    pub const NEW_SESSION: Icon = m::ICON_ADD_CIRCLE;
    pub const NEXT: Icon = m::ICON_ARROW_FORWARD;
    pub const NOTE: Icon = m::ICON_EDIT_NOTE;
    pub const PASS: Icon = m::ICON_SWAP_HORIZ;
    pub const PAUSE: Icon = m::ICON_PAUSE;
    pub const PRESENT: Icon = m::ICON_CO_PRESENT;
    pub const REOPEN: Icon = m::ICON_REPLAY;
    pub const RESUME: Icon = m::ICON_PLAY_ARROW;
    pub const SAFETY: Icon = m::ICON_HEALTH_AND_SAFETY;
    pub const SAVE: Icon = m::ICON_SAVE;
    pub const SEARCH: Icon = m::ICON_SEARCH;
    pub const SKIP: Icon = m::ICON_SKIP_NEXT;
    pub const START: Icon = m::ICON_PLAY_ARROW;
    pub const TAKE_HOME: Icon = m::ICON_HOME;
    pub const UNDO: Icon = m::ICON_UNDO;
    pub const REDO: Icon = m::ICON_REDO;
    pub const PROTOCOLS: Icon = m::ICON_LIBRARY_BOOKS;
    pub const COPY: Icon = m::ICON_CONTENT_COPY;
    pub const DELETE: Icon = m::ICON_DELETE;
    pub const UP: Icon = m::ICON_ARROW_UPWARD;
    pub const DOWN: Icon = m::ICON_ARROW_DOWNWARD;
    pub const CODE: Icon = m::ICON_CODE;
    pub const UNLOCK: Icon = m::ICON_LOCK_OPEN;
}

/// A button with an icon before its text. The icon is painted, not typed into the
/// text, so the button's accessible name is its text alone.
pub fn icon_button(icon: Icon, text: impl Into<egui::WidgetText>) -> egui::Button<'static> {
    let glyph = icon.codepoint;
    let family = icon.font_family();
    let size = 18.0;
    let painted = egui::Atom::paint(vec2(size, size), move |ui, args| {
        ui.painter().text(
            args.rect.center(),
            egui::Align2::CENTER_CENTER,
            glyph,
            FontId::new(size, family.clone()),
            args.fallback_text_color,
        );
    });
    egui::Button::new((painted, text.into()))
}

/// Tandem's icon (`assets/tandem-icon.png`: two rings, linked), for the window and the
/// task bar. `None` only if the bundled file does not decode (a test checks it does).
pub fn app_icon() -> Option<egui::IconData> {
    eframe::icon_data::from_png_bytes(include_bytes!("../../assets/tandem-icon.png")).ok()
}

/// The whole style of one theme.
fn style_of(theme: Theme) -> Style {
    let mut style = Style {
        visuals: match theme {
            Theme::Light => light(),
            Theme::Dark => dark(),
        },
        ..Style::default()
    };
    let proportional = |size: f32| FontId::new(size, FontFamily::Proportional);
    style.text_styles = [
        (TextStyle::Small, proportional(12.5)),
        (TextStyle::Body, proportional(15.5)),
        (TextStyle::Button, proportional(14.5)),
        (TextStyle::Heading, proportional(23.0)),
        (
            TextStyle::Monospace,
            FontId::new(14.0, FontFamily::Monospace),
        ),
        (script(), proportional(21.0)),
        (field(), proportional(17.5)),
    ]
    .into();
    let spacing = &mut style.spacing;
    spacing.item_spacing = vec2(10.0, 9.0);
    spacing.button_padding = vec2(12.0, 6.0);
    spacing.interact_size = vec2(40.0, 30.0);
    spacing.indent = 22.0;
    spacing.window_margin = Margin::same(20);
    spacing.menu_margin = Margin::same(10);
    spacing.combo_width = 180.0;
    spacing.text_edit_width = 280.0;
    spacing.icon_width = 18.0;
    spacing.icon_width_inner = 10.0;
    spacing.icon_spacing = 8.0;
    spacing.tooltip_width = 420.0;
    spacing.slider_width = 220.0;
    style.interaction.tooltip_delay = 0.4;
    style
}

/// Calm light: warm paper, dark ink, one muted teal for what is chosen.
fn light() -> Visuals {
    let ink = Color32::from_rgb(0x2B, 0x2A, 0x27);
    let paper = Color32::from_rgb(0xF8, 0xF6, 0xF1);
    let line = Color32::from_rgb(0xDD, 0xD8, 0xCE);
    let teal = Color32::from_rgb(0x1F, 0x6F, 0x66);
    let mut v = Visuals::light();
    v.panel_fill = paper;
    v.window_fill = Color32::WHITE;
    v.extreme_bg_color = Color32::WHITE;
    v.text_edit_bg_color = Some(Color32::WHITE);
    v.faint_bg_color = Color32::from_rgb(0xF0, 0xED, 0xE6);
    v.code_bg_color = Color32::from_rgb(0xEC, 0xE8, 0xE0);
    v.hyperlink_color = teal;
    v.warn_fg_color = Color32::from_rgb(0x8C, 0x55, 0x00);
    v.error_fg_color = Color32::from_rgb(0xB0, 0x2A, 0x20);
    v.selection.bg_fill = Color32::from_rgb(0xC9, 0xE4, 0xDF);
    v.selection.stroke = Stroke::new(1.5, teal);
    v.window_stroke = Stroke::new(1.0, line);
    v.window_corner_radius = CornerRadius::same(12);
    v.menu_corner_radius = CornerRadius::same(8);
    v.window_shadow = Shadow {
        offset: [0, 6],
        blur: 24,
        spread: 0,
        color: Color32::from_black_alpha(28),
    };
    v.popup_shadow = Shadow {
        offset: [0, 3],
        blur: 10,
        spread: 0,
        color: Color32::from_black_alpha(20),
    };
    let w = &mut v.widgets;
    w.noninteractive.bg_fill = paper;
    w.noninteractive.weak_bg_fill = paper;
    w.noninteractive.bg_stroke = Stroke::new(1.0, line);
    w.noninteractive.fg_stroke = Stroke::new(1.0, ink);
    w.inactive.bg_fill = Color32::from_rgb(0xE6, 0xE2, 0xDA);
    w.inactive.weak_bg_fill = Color32::from_rgb(0xEA, 0xE6, 0xDE);
    w.inactive.bg_stroke = Stroke::new(1.0, Color32::from_rgb(0xD4, 0xCE, 0xC3));
    w.inactive.fg_stroke = Stroke::new(1.0, ink);
    w.hovered.bg_fill = Color32::from_rgb(0xDD, 0xD8, 0xCE);
    w.hovered.weak_bg_fill = Color32::from_rgb(0xDF, 0xDA, 0xD0);
    w.hovered.bg_stroke = Stroke::new(1.0, Color32::from_rgb(0xA9, 0xA2, 0x95));
    w.hovered.fg_stroke = Stroke::new(1.5, Color32::from_rgb(0x1A, 0x19, 0x17));
    w.active.bg_fill = Color32::from_rgb(0xD2, 0xCC, 0xC0);
    w.active.weak_bg_fill = Color32::from_rgb(0xD2, 0xCC, 0xC0);
    w.active.bg_stroke = Stroke::new(1.0, teal);
    w.active.fg_stroke = Stroke::new(1.5, Color32::BLACK);
    w.open = w.hovered;
    rounded(&mut v);
    v
}

/// Calm dark: soft charcoal, not black; the same teal, lighter.
fn dark() -> Visuals {
    let ink = Color32::from_rgb(0xE6, 0xE3, 0xDC);
    let ground = Color32::from_rgb(0x1C, 0x1E, 0x21);
    let line = Color32::from_rgb(0x3A, 0x3E, 0x43);
    let teal = Color32::from_rgb(0x7C, 0xC7, 0xBC);
    let mut v = Visuals::dark();
    v.panel_fill = ground;
    v.window_fill = Color32::from_rgb(0x26, 0x29, 0x2D);
    v.extreme_bg_color = Color32::from_rgb(0x14, 0x16, 0x18);
    v.text_edit_bg_color = Some(Color32::from_rgb(0x14, 0x16, 0x18));
    v.faint_bg_color = Color32::from_rgb(0x24, 0x27, 0x2B);
    v.hyperlink_color = teal;
    v.warn_fg_color = Color32::from_rgb(0xE8, 0xB8, 0x6A);
    v.error_fg_color = Color32::from_rgb(0xF0, 0x8A, 0x80);
    v.selection.bg_fill = Color32::from_rgb(0x25, 0x5C, 0x55);
    v.selection.stroke = Stroke::new(1.5, teal);
    v.window_stroke = Stroke::new(1.0, line);
    v.window_corner_radius = CornerRadius::same(12);
    v.menu_corner_radius = CornerRadius::same(8);
    let w = &mut v.widgets;
    w.noninteractive.bg_fill = ground;
    w.noninteractive.bg_stroke = Stroke::new(1.0, line);
    w.noninteractive.fg_stroke = Stroke::new(1.0, ink);
    w.inactive.bg_fill = Color32::from_rgb(0x33, 0x37, 0x3C);
    w.inactive.weak_bg_fill = Color32::from_rgb(0x30, 0x34, 0x39);
    w.inactive.fg_stroke = Stroke::new(1.0, ink);
    w.hovered.bg_fill = Color32::from_rgb(0x3D, 0x42, 0x48);
    w.hovered.weak_bg_fill = Color32::from_rgb(0x3D, 0x42, 0x48);
    w.hovered.fg_stroke = Stroke::new(1.5, Color32::WHITE);
    w.active.bg_stroke = Stroke::new(1.0, teal);
    w.open = w.hovered;
    rounded(&mut v);
    v
}

fn rounded(v: &mut Visuals) {
    for w in [
        &mut v.widgets.noninteractive,
        &mut v.widgets.inactive,
        &mut v.widgets.hovered,
        &mut v.widgets.active,
        &mut v.widgets.open,
    ] {
        w.corner_radius = CornerRadius::same(8);
        w.expansion = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_theme_is_light_unless_the_system_or_the_person_says_dark() {
        let table = [
            // (chosen, what the system says, shown)
            (Appearance::System, None, Theme::Light),
            (Appearance::System, Some(Theme::Dark), Theme::Dark),
            (Appearance::System, Some(Theme::Light), Theme::Light),
            (Appearance::Light, Some(Theme::Dark), Theme::Light),
            (Appearance::Light, None, Theme::Light),
            (Appearance::Dark, Some(Theme::Light), Theme::Dark),
            (Appearance::Dark, None, Theme::Dark),
        ];
        for (chosen, system, shown) in table {
            assert_eq!(
                theme_for(chosen, system),
                shown,
                "{chosen:?} with {system:?}"
            );
        }
    }

    #[test]
    fn the_script_and_the_fields_are_larger_than_the_chrome() {
        for theme in [Theme::Light, Theme::Dark] {
            let style = style_of(theme);
            let size = |s: &TextStyle| style.text_styles[s].size;
            assert!(size(&script()) > size(&TextStyle::Body));
            assert!(size(&field()) > size(&TextStyle::Body));
            assert!(size(&TextStyle::Button) < size(&TextStyle::Body));
            assert!(size(&TextStyle::Small) < size(&TextStyle::Button));
        }
    }

    #[test]
    fn the_app_icon_decodes_as_a_square() {
        let icon = app_icon().expect("the bundled icon decodes");
        assert_eq!((icon.width, icon.height), (256, 256));
        assert_eq!(icon.rgba.len(), 256 * 256 * 4);
    }

    #[test]
    fn the_couples_screen_is_larger_than_the_therapists() {
        let script = style_of(Theme::Light).text_styles[&script()].size;
        for width in [640.0, 900.0, 1920.0, 3840.0] {
            let sizes = present_sizes(width);
            assert!(sizes.prompt > script, "{width}");
            assert!(sizes.title > sizes.prompt);
            assert!(sizes.measure <= width);
        }
    }
}
