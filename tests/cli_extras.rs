//! ksec completions and ksec man: the bash script parses and completes, the zsh and fish scripts
//! name every subcommand, the man pages render without groff warnings.

use std::path::Path;

use crate::util::{ksec, run, skipped_in_part, text, which};

/// The visible subcommands, as `ksec --help` lists them (`help` left out).
fn subcommands() -> Vec<String> {
    let out = run(ksec(&["--help"]));
    let (stdout, _) = text(&out);
    let names: Vec<String> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect();
    assert!(
        names.iter().any(|n| n == "trace") && names.iter().any(|n| n == "completions"),
        "subcommands from ksec --help: {names:?}\n{stdout}"
    );
    assert!(
        !names.iter().any(|n| n == "man"),
        "ksec man is hidden: {names:?}"
    );
    names
}

fn script(shell: &str) -> String {
    let out = run(ksec(&["completions", shell]));
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "ksec completions {shell}: {stderr}");
    assert!(stderr.is_empty(), "ksec completions {shell}: {stderr}");
    stdout
}

/// What bash's completion function offers for the words `line` (the last one being completed).
fn bash_complete(file: &Path, line: &[&str]) -> Vec<String> {
    let words: Vec<String> = line.iter().map(|w| format!("'{w}'")).collect();
    let cur = line.last().unwrap();
    let prev = line[line.len() - 2];
    let prog = format!(
        "source '{}' || exit 9\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n_ksec ksec '{cur}' '{prev}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        file.display(),
        words.join(" "),
        line.len() - 1,
        line.join(" "),
    );
    let out = run(std::process::Command::new("bash").args(["--norc", "-c", &prog]));
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "bash completing {line:?}: {stderr}");
    let mut got: Vec<String> = stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.trim_end().to_string())
        .collect();
    got.sort();
    got
}

#[test]
fn bash_script_parses_and_completes_subcommands_options_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ksec.bash");
    std::fs::write(&file, script("bash")).unwrap();

    let out = run(std::process::Command::new("bash").arg("-n").arg(&file));
    assert!(out.status.success(), "bash -n: {}", text(&out).1);

    assert_eq!(bash_complete(&file, &["ksec", "tr"]), ["trace"]);
    assert_eq!(bash_complete(&file, &["ksec", "grep-s"]), ["grep-secret"]);
    // clap_complete's bash script completes hidden subcommands too (`ksec man` is hidden from
    // --help only).
    assert_eq!(bash_complete(&file, &["ksec", "ma"]), ["man"]);
    // Every visible subcommand (and help) for an empty word.
    let mut all = subcommands();
    all.push("help".to_string());
    let offered = bash_complete(&file, &["ksec", ""]);
    for sub in &all {
        assert!(offered.contains(sub), "{sub} not in {offered:?}");
    }
    // Options of trace come from its clap definition (cli.rs's TraceArgs).
    assert_eq!(
        bash_complete(&file, &["ksec", "trace", "--summary-o"]),
        ["--summary-only"]
    );
    // Values of an enum argument.
    assert_eq!(
        bash_complete(&file, &["ksec", "completions", "fi"]),
        ["fish"]
    );
}

#[test]
fn zsh_and_fish_scripts_name_every_subcommand() {
    let subs = subcommands();
    let zsh = script("zsh");
    assert!(
        zsh.starts_with("#compdef ksec"),
        "zsh: {}",
        &zsh[..zsh.len().min(200)]
    );
    for sub in &subs {
        assert!(zsh.contains(&format!("'{sub}:")), "zsh script lacks {sub}");
    }
    assert!(
        zsh.contains("--summary-only"),
        "zsh script lacks trace's options"
    );

    let fish = script("fish");
    for sub in &subs {
        assert!(
            fish.contains(&format!("-a \"{sub}\"")),
            "fish script lacks {sub}"
        );
    }
    assert!(
        fish.contains("-l summary-only"),
        "fish script lacks trace's options"
    );
}

#[test]
fn man_pages_one_per_subcommand_render_without_warnings() {
    let subs = subcommands();
    let dir = tempfile::tempdir().unwrap();
    let out = run(ksec(&["man", dir.path().to_str().unwrap()]));
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "ksec man DIR: {stderr}");

    let mut want = vec!["ksec.1".to_string()];
    want.extend(subs.iter().map(|s| format!("ksec-{s}.1")));
    let listed: Vec<String> = stdout
        .lines()
        .map(|l| {
            Path::new(l)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(listed, want, "paths printed by ksec man DIR");
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(files, want_sorted);

    for name in &want {
        let page = std::fs::read_to_string(dir.path().join(name)).unwrap();
        let title = name.trim_end_matches(".1");
        assert!(
            page.contains(&format!(".TH {title} 1 ")),
            "{name} lacks its .TH line"
        );
    }
    let root = std::fs::read_to_string(dir.path().join("ksec.1")).unwrap();
    for sub in &subs {
        let roff_name = format!("ksec\\-{}(1)", sub.replace('-', "\\-"));
        assert!(
            root.contains(&roff_name),
            "ksec.1 does not list {roff_name}"
        );
    }
    let trace = std::fs::read_to_string(dir.path().join("ksec-trace.1")).unwrap();
    assert!(
        trace.contains("summary\\-only"),
        "ksec-trace.1 lacks --summary-only"
    );

    // Without DIR: ksec.1 on stdout, the same page.
    let out = run(ksec(&["man"]));
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), root);

    if let Some(groff) = which("groff") {
        for name in &want {
            let out = run(std::process::Command::new(&groff)
                .args(["-man", "-Tutf8", "-ww", "-z"])
                .arg(dir.path().join(name)));
            let (_, stderr) = text(&out);
            assert!(
                out.status.success() && stderr.is_empty(),
                "groff {name}: {stderr}"
            );
        }
    } else {
        skipped_in_part("groff is not installed: the pages are not typeset");
    }
    if let Some(man) = which("man") {
        let out = run(std::process::Command::new(man)
            .env("MANWIDTH", "80")
            .arg("-l")
            .arg(dir.path().join("ksec-trace.1")));
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "man -l ksec-trace.1: {stderr}");
        assert!(
            stdout.contains("ksec-trace"),
            "man -l ksec-trace.1:\n{stdout}"
        );
        assert!(
            stdout.contains("--summary-only"),
            "man -l ksec-trace.1:\n{stdout}"
        );
    } else {
        skipped_in_part("man is not installed: the pages are not rendered");
    }
}

#[test]
fn man_into_a_missing_directory_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let out = run(ksec(&["man", missing.to_str().unwrap()]));
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{}: not a directory", missing.display())),
        "{stderr}"
    );
}
