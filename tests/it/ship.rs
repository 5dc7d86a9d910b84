//! What the Debian package ships, checked against the binary: `--version` names the commit,
//! the man page lists every option `--help` has, and the desktop entry, icons and systemd
//! units agree with the app id and the commands. (`.ci/run` builds and installs the real
//! package and runs `desktop-file-validate` on it.)

use std::path::Path;
use std::process::Command;

fn release_desk(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_release-desk"))
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "release-desk {args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn asset(path: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets")
            .join(path),
    )
    .unwrap()
}

#[test]
fn version_names_the_version_and_the_commit() {
    let line = release_desk(&["--version"]);
    let expected = format!("release-desk {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(line.starts_with(&expected), "{line}");
    let commit = line
        .trim_end()
        .strip_prefix(&expected)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap();
    assert!(
        commit == "unknown" || commit.bytes().all(|b| b.is_ascii_hexdigit()),
        "{commit}"
    );
}

/// Every `--long-option` in a help text.
fn long_options(help: &str) -> Vec<String> {
    let mut options: Vec<String> = help
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(str::to_owned)
        .collect();
    options.sort();
    options.dedup();
    options
}

#[test]
fn the_man_page_lists_every_command_and_option() {
    let man = asset("release-desk.1");
    for command in [&[][..], &["sandbox"], &["receive"]] {
        let help = release_desk(&[command, &["--help"]].concat());
        let options = long_options(&help);
        assert!(options.contains(&"--help".to_owned()), "{help}");
        for option in options {
            // troff spells a hyphen `\-`.
            let spelled = option.replace('-', "\\-");
            assert!(
                man.contains(&spelled),
                "the man page lacks {option} of `release-desk {command:?}`"
            );
        }
        if let Some(name) = command.first() {
            assert!(man.contains(&format!(".B {name}\n")), "{name}");
        }
    }
}

#[test]
fn desktop_entry_icons_and_units_match_the_app() {
    let app_id = release_desk::desktop::APP_ID;
    let entry = asset("release-desk.desktop");
    let value = |key: &str| {
        entry
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key} in the desktop entry"))
            .to_owned()
    };
    assert_eq!(value("StartupWMClass"), app_id);
    assert_eq!(value("Icon"), app_id);
    assert_eq!(value("Exec"), "release-desk");
    assert_eq!(value("Name"), "Release Desk");
    // The window icon is the 256 px rendering the package installs.
    let installed = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/icons/release-desk-256.png"),
    )
    .unwrap();
    assert_eq!(release_desk::desktop::WINDOW_ICON_PNG, &installed[..]);
    // The systemd units run the commands that exist.
    for (unit, command) in [
        ("systemd/release-desk-sandbox.service", "sandbox"),
        ("systemd/release-desk-receive.service", "receive"),
    ] {
        let text = asset(unit);
        assert!(
            text.contains(&format!("ExecStart=/usr/bin/release-desk {command} ")),
            "{unit}"
        );
        release_desk(&[command, "--help"]);
    }
}
