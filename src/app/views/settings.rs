//! [`SettingsView`]: the current connection and saved Contentful profiles (add, edit, delete,
//! switch without restarting), "Test connection" with a step-by-step report, the local
//! sandbox (reset; load a space export; copy the connected space into it, with progress,
//! cancel and the list of skipped items), and the theme.

use egui::{RichText, Ui};

use super::ViewCtx;
use crate::app::command::Command;
use crate::app::theme::{self, Tone};
use crate::cma::AccessToken;
use crate::config::{Profile, RegionSetting, TOKEN_ENV, validate};

/// The settings view and its UI state.
#[derive(Debug, Default)]
pub struct SettingsView {
    confirm_reset: bool,
    /// The publishing mode the reset restores the demo in (starts as the space's).
    reset_locale_publishing: Option<bool>,
    confirm_load: Option<LoadKind>,
    form: Option<ProfileForm>,
    confirm_delete: Option<String>,
    alerts: super::settings_alerts::AlertsSection,
}

/// Which replacement of the sandbox's space the user is confirming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoadKind {
    /// A `contentful-export` file, picked after the confirmation.
    ExportFile,
    /// The connected real space.
    CopySpace,
}

/// The add/edit-connection form. The token field is cleared once saved; a stored token is
/// never shown.
#[derive(Default)]
struct ProfileForm {
    id: Option<String>,
    name: String,
    space_id: String,
    environment_id: String,
    region: usize,
    custom_url: String,
    token: String,
    rate_limit: u32,
    error: Option<String>,
    /// The form's content when the user asked to save it: saved as soon as its test passes.
    save_when_tested: Option<String>,
    /// The form's content the last test result was for (a result for other content is stale).
    tested: Option<String>,
}

impl std::fmt::Debug for ProfileForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileForm")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl ProfileForm {
    fn new() -> Self {
        Self {
            environment_id: "master".into(),
            rate_limit: 7,
            ..Self::default()
        }
    }

    fn edit(p: &Profile) -> Self {
        let (region, custom_url) = match &p.region {
            RegionSetting::Us => (0, String::new()),
            RegionSetting::Eu => (1, String::new()),
            RegionSetting::Custom(u) => (2, u.clone()),
        };
        Self {
            id: Some(p.id.clone()),
            name: p.name.clone(),
            space_id: p.space_id.clone(),
            environment_id: p.environment_id.clone(),
            region,
            custom_url,
            token: String::new(),
            rate_limit: p.rate_limit,
            error: None,
            save_when_tested: None,
            tested: None,
        }
    }

    /// What the form says, as one string: a test result is for exactly this content.
    fn fingerprint(&self) -> String {
        format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            self.name,
            self.space_id,
            self.environment_id,
            self.region,
            self.custom_url,
            self.token,
            self.rate_limit
        )
    }

    /// The typed token, if any.
    fn typed_token(&self) -> Option<AccessToken> {
        (!self.token.trim().is_empty()).then(|| AccessToken::new(self.token.trim()))
    }

    fn profile(&self, now: jiff::Timestamp) -> Profile {
        Profile {
            id: self
                .id
                .clone()
                .unwrap_or_else(|| format!("p{}", now.as_millisecond())),
            name: self.name.trim().to_owned(),
            space_id: self.space_id.trim().to_owned(),
            environment_id: self.environment_id.trim().to_owned(),
            region: match self.region {
                0 => RegionSetting::Us,
                1 => RegionSetting::Eu,
                _ => RegionSetting::Custom(self.custom_url.trim().to_owned()),
            },
            rate_limit: self.rate_limit.max(1),
        }
    }
}

impl SettingsView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        ui.heading("Settings");
        ui.add_space(theme::SECTION_GAP);
        ui.label(RichText::new("Connection").strong());
        match &cx.state.connection {
            Some(c) => {
                egui::Grid::new("connection")
                    .spacing([16.0, 4.0])
                    .show(ui, |ui| {
                        ui.label("Profile");
                        ui.label(&c.profile);
                        ui.end_row();
                        ui.label("API");
                        ui.label(&c.base_url);
                        ui.end_row();
                        ui.label("Space");
                        ui.label(format!(
                            "{} ({})",
                            cx.state.space_name.clone().unwrap_or_default(),
                            c.space_id
                        ));
                        ui.end_row();
                        ui.label("Environment");
                        ui.label(&c.environment_id);
                        ui.end_row();
                        ui.label("Webhook receiver");
                        ui.label(c.receiver.clone().unwrap_or_else(|| "not running".into()));
                        ui.end_row();
                        ui.label("Token");
                        ui.label(RichText::new("stored, never shown").weak());
                        ui.end_row();
                    });
            }
            None => {
                ui.label("Not connected.");
            }
        }
        ui.add_space(6.0);
        self.profiles_ui(ui, cx);
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            let testing = cx.state.connection_testing;
            if ui
                .add_enabled(!testing, egui::Button::new("Test connection"))
                .on_hover_text("Check the address, token, space and environment step by step")
                .clicked()
            {
                cx.send(Command::TestConnection);
            }
            if testing {
                ui.spinner();
                ui.label("Testing the connection…");
            }
        });
        if let Some((ok, report)) = &cx.state.connection_report {
            let visuals = ui.visuals().clone();
            let tone = if *ok { Tone::Success } else { Tone::Danger };
            for line in report {
                ui.label(RichText::new(line).color(theme::tone(&visuals, tone)));
            }
        }
        self.sandbox_ui(ui, cx);
        self.alerts.ui(ui, cx);
        ui.add_space(theme::SECTION_GAP);
        ui.label(RichText::new("Appearance").strong());
        let mut preference = ui.ctx().options(|o| o.theme_preference);
        ui.horizontal(|ui| {
            ui.selectable_value(
                &mut preference,
                egui::ThemePreference::System,
                "Follow system",
            );
            ui.selectable_value(&mut preference, egui::ThemePreference::Light, "Light");
            ui.selectable_value(&mut preference, egui::ThemePreference::Dark, "Dark");
        });
        ui.ctx().set_theme(preference);
        if self.confirm_reset {
            egui::Modal::new(egui::Id::unique("reset-confirm")).show(ui.ctx(), |ui| {
                ui.heading("Reset the sandbox?");
                ui.label(
                    "All changes to the local sandbox are lost and the demo space is restored.",
                );
                ui.add_space(4.0);
                let locale = self
                    .reset_locale_publishing
                    .get_or_insert(cx.state.release_model.locale_based);
                ui.horizontal(|ui| {
                    ui.label("Publishing:");
                    ui.radio_value(locale, false, "By entry")
                        .on_hover_text("Timeline items publish or unpublish whole entries");
                    ui.radio_value(locale, true, "By locale")
                        .on_hover_text("Timeline items publish and unpublish locale by locale");
                });
                let locale = *locale;
                ui.horizontal(|ui| {
                    if ui.button(RichText::new("Reset").strong()).clicked() {
                        cx.send(Command::ResetSandbox {
                            locale_publishing: Some(locale),
                        });
                        self.confirm_reset = false;
                    }
                    if ui.button("Cancel").clicked() {
                        self.confirm_reset = false;
                    }
                });
            });
        }
    }

    /// The local sandbox: reset to the demo, load an export, copy the connected space into it;
    /// the running load's progress and the last load's report.
    fn sandbox_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let on_sandbox = cx.state.connection.as_ref().is_some_and(|c| c.is_sandbox);
        let busy = cx.state.sandbox_load.is_some();
        ui.add_space(theme::SECTION_GAP);
        ui.label(RichText::new("Local sandbox").strong());
        if on_sandbox {
            ui.label("Restore the demo space: every release, entry, schedule and webhook call is replaced by the original demo data. The timeline keeps the events it received and marks the reset.");
            if ui
                .add_enabled(!busy, egui::Button::new("Reset sandbox…"))
                .clicked()
            {
                self.confirm_reset = true;
                self.reset_locale_publishing = None;
            }
            ui.add_space(6.0);
        }
        ui.label("Rehearse on a copy of a real space: load a contentful-export file (content model, locales, tags, entries and assets with their states) into the sandbox. Its current space is replaced only when the whole file loads.");
        if ui
            .add_enabled(
                !busy,
                egui::Button::new("Load a space export into the sandbox…"),
            )
            .on_hover_text("Choose a file written by `contentful space export`")
            .clicked()
        {
            self.confirm_load = Some(LoadKind::ExportFile);
        }
        if !on_sandbox && cx.state.connection.is_some() {
            ui.add_space(6.0);
            ui.label("Or copy this space directly: its content model, entries, asset metadata, releases and scheduled actions are read at Contentful's rate limit, loaded into the sandbox, and the app switches to the sandbox. Nothing in this space changes.");
            if ui
                .add_enabled(
                    !busy,
                    egui::Button::new("Copy this space into the sandbox…"),
                )
                .clicked()
            {
                self.confirm_load = Some(LoadKind::CopySpace);
            }
        }
        if let Some(job) = &cx.state.sandbox_load {
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                match job.fraction() {
                    Some(fraction) => {
                        ui.add(
                            egui::ProgressBar::new(fraction)
                                .desired_width(220.0)
                                .show_percentage(),
                        );
                    }
                    None => {
                        ui.spinner();
                    }
                }
                ui.label(job.describe());
                if job.cancellable {
                    if ui.button("Cancel").clicked() {
                        cx.send(Command::CancelSandboxLoad);
                    }
                } else if job.progress.is_some() {
                    ui.label(
                        RichText::new("writing the sandbox: this finishes or changes nothing")
                            .weak(),
                    );
                }
            });
        }
        if let Some((source, report)) = &cx.state.sandbox_load_report {
            ui.add_space(6.0);
            ui.label(format!("Last load: {source} — {report}."));
            if !report.problems.is_empty() {
                egui::CollapsingHeader::new(format!(
                    "{} items were skipped",
                    report.problems.len()
                ))
                .id_salt("load-problems")
                .show(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .max_height(160.0)
                        .show(ui, |ui| {
                            for problem in &report.problems {
                                ui.label(problem);
                            }
                        });
                });
            }
        }
        if let Some(kind) = self.confirm_load {
            egui::Modal::new(egui::Id::unique("load-confirm")).show(ui.ctx(), |ui| {
                ui.heading("Replace the sandbox's space?");
                ui.label(match kind {
                    LoadKind::ExportFile => {
                        "Everything in the local sandbox is replaced by the export you choose next. If the file cannot be loaded, the sandbox stays as it is."
                    }
                    LoadKind::CopySpace => {
                        "Everything in the local sandbox is replaced by a copy of this space; then the app switches to the sandbox. Reading a big space takes a while (Contentful allows ~7 requests per second); you can cancel until the copy is written."
                    }
                });
                ui.horizontal(|ui| {
                    let go = match kind {
                        LoadKind::ExportFile => "Choose the export…",
                        LoadKind::CopySpace => "Copy into the sandbox",
                    };
                    if ui.button(RichText::new(go).strong()).clicked() {
                        cx.send(match kind {
                            LoadKind::ExportFile => Command::LoadSandboxExport { path: None },
                            LoadKind::CopySpace => Command::CopySpaceIntoSandbox,
                        });
                        self.confirm_load = None;
                    }
                    if ui.button("Cancel").clicked()
                        || ui.input(|i| i.key_pressed(egui::Key::Escape))
                    {
                        self.confirm_load = None;
                    }
                });
            });
        }
    }

    fn profiles_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        ui.add_space(theme::SECTION_GAP);
        ui.label(RichText::new("Connections").strong());
        let active = cx.state.active_profile.clone();
        ui.horizontal(|ui| {
            if ui
                .radio(active.is_none(), "Local sandbox")
                .on_hover_text("The embedded Contentful-compatible sandbox on this machine")
                .clicked()
                && active.is_some()
            {
                cx.send(Command::SwitchProfile { id: None });
            }
        });
        for (profile, has_token) in &cx.state.profiles {
            ui.horizontal(|ui| {
                let selected = active.as_deref() == Some(profile.id.as_str());
                if ui.radio(selected, profile.name.as_str()).on_hover_text("Connect to this space").clicked() && !selected {
                    cx.send(Command::SwitchProfile { id: Some(profile.id.clone()) });
                }
                ui.label(RichText::new(format!("{} / {}", profile.space_id, profile.environment_id)).weak());
                if !has_token {
                    ui.label(RichText::new(format!("token from {TOKEN_ENV}")).weak())
                        .on_hover_text("No token is stored for this connection; the environment variable is used");
                }
                if ui.small_button("Edit…").clicked() {
                    self.form = Some(ProfileForm::edit(profile));
                }
                if ui.small_button("Delete…").clicked() {
                    self.confirm_delete = Some(profile.id.clone());
                }
            });
        }
        ui.label(RichText::new(crate::config::token_store_note()).weak());
        if ui.button("Add a Contentful space…").clicked() {
            self.form = Some(ProfileForm::new());
        }
        if let Some(form) = &mut self.form {
            let mut close = false;
            egui::Frame::group(ui.style()).inner_margin(10.0).show(ui, |ui| {
                egui::Grid::new("profile-form").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
                    let l = ui.label("Name");
                    ui.add(egui::TextEdit::singleline(&mut form.name).hint_text("Production")).labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label("Space id");
                    ui.add(egui::TextEdit::singleline(&mut form.space_id).hint_text("e.g. yadj1kx9rmg0")).labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label("Environment");
                    ui.text_edit_singleline(&mut form.environment_id).labelled_by(l.id);
                    ui.end_row();
                    ui.label("Region");
                    ui.horizontal(|ui| {
                        ui.radio_value(&mut form.region, 0, "US");
                        ui.radio_value(&mut form.region, 1, "EU");
                        ui.radio_value(&mut form.region, 2, "Custom URL");
                    });
                    ui.end_row();
                    if form.region == 2 {
                        let l = ui.label("Base URL");
                        ui.add(egui::TextEdit::singleline(&mut form.custom_url).hint_text("https://api.example.com")).labelled_by(l.id);
                        ui.end_row();
                    }
                    ui.label("Requests / s");
                    ui.add(egui::DragValue::new(&mut form.rate_limit).range(1..=50))
                        .on_hover_text("Your plan's CMA rate limit (7 on free plans)");
                    ui.end_row();
                    let l = ui.label("Management token");
                    ui.add(
                        egui::TextEdit::singleline(&mut form.token)
                            .password(true)
                            .hint_text(if form.id.is_some() { "leave empty to keep the stored token" } else { "CFPAT-…" }),
                    )
                    .labelled_by(l.id)
                    .on_hover_text(format!("Stored in the system keychain (else an owner-only file) and never shown again. Leave empty to use {TOKEN_ENV}."));
                    ui.end_row();
                });
                if let Some(error) = &form.error {
                    let visuals = ui.visuals().clone();
                    ui.label(RichText::new(error).color(theme::tone(&visuals, Tone::Danger)));
                }
                let fingerprint = form.fingerprint();
                let testing = cx.state.profile_testing;
                // The last test, if it was of exactly what the form says now.
                let result = cx
                    .state
                    .profile_test
                    .as_ref()
                    .filter(|_| form.tested.as_deref() == Some(fingerprint.as_str()) && !testing);
                let mut save = false;
                let mut test = false;
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(!testing, egui::Button::new("Save"))
                        .on_hover_text("Tests the connection first, and saves when it works")
                        .clicked()
                    {
                        if result.is_some_and(|(ok, _)| *ok) {
                            save = true;
                        } else {
                            test = true;
                            form.save_when_tested = Some(fingerprint.clone());
                        }
                    }
                    if ui.add_enabled(!testing, egui::Button::new("Test")).clicked() {
                        test = true;
                        form.save_when_tested = None;
                    }
                    if result.is_some_and(|(ok, _)| !*ok) && ui.button("Save anyway").clicked() {
                        save = true;
                    }
                    if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                        close = true;
                    }
                    if testing {
                        ui.spinner();
                        ui.label("Testing the connection…");
                    }
                });
                if let Some((ok, report)) = result {
                    let visuals = ui.visuals().clone();
                    let tone = if *ok { Tone::Success } else { Tone::Danger };
                    for line in report {
                        ui.label(RichText::new(line).color(theme::tone(&visuals, tone)));
                    }
                    // Asked to save, and the test passed: save now.
                    if *ok && form.save_when_tested.as_deref() == Some(fingerprint.as_str()) {
                        save = true;
                    }
                    if !*ok && form.save_when_tested.is_some() {
                        form.save_when_tested = None;
                    }
                }
                if test || save {
                    let profile = form.profile(cx.now);
                    match validate(&profile) {
                        Err(e) => form.error = Some(e.to_string()),
                        Ok(()) if save => {
                            let token = form.typed_token();
                            form.token.clear();
                            cx.send(Command::SaveProfile { profile, token });
                            close = true;
                        }
                        Ok(()) => {
                            form.error = None;
                            form.tested = Some(fingerprint.clone());
                            cx.send(Command::TestProfile {
                                profile,
                                token: form.typed_token(),
                            });
                        }
                    }
                }
            });
            if close {
                self.form = None;
            }
        }
        if let Some(id) = self.confirm_delete.clone() {
            egui::Modal::new(egui::Id::unique("delete-profile")).show(ui.ctx(), |ui| {
                ui.heading("Delete this connection?");
                ui.label("Its stored token is deleted too. The space itself is not touched.");
                ui.horizontal(|ui| {
                    if ui.button(RichText::new("Delete").strong()).clicked() {
                        cx.send(Command::DeleteProfile { id: id.clone() });
                        self.confirm_delete = None;
                    }
                    if ui.button("Cancel").clicked() {
                        self.confirm_delete = None;
                    }
                });
            });
        }
    }
}
