//! The rule language on literal YAML and synthetic events.

use std::collections::HashMap;

use super::fields::{Event, Field, FieldArg, Value};
use super::*;

/// An event with fixed field values (by name, `proc.aname[2]` style for arguments).
struct Ev {
    ty: &'static str,
    vals: HashMap<String, Value<'static>>,
}

fn ev(ty: &'static str, vals: &[(&str, Value<'static>)]) -> Ev {
    Ev {
        ty,
        vals: vals
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }
}

fn s(v: &'static str) -> Value<'static> {
    Value::Str(v.into())
}

impl Event for Ev {
    fn evt_type(&self) -> &str {
        self.ty
    }
    fn get(&self, f: &Field) -> Option<Value<'_>> {
        let key = match &f.arg {
            FieldArg::None => f.info.name.to_string(),
            FieldArg::Index(i) => format!("{}[{i}]", f.info.name),
            FieldArg::Key(k) => format!("{}[{k}]", f.info.name),
        };
        self.vals.get(&key).cloned()
    }
}

fn load_str(yaml: &str) -> Loaded {
    load(
        &[RulesInput {
            name: "t.yaml".into(),
            content: yaml.into(),
        }],
        &LoadOptions::default(),
    )
}

fn ruleset(yaml: &str) -> Ruleset {
    let l = load_str(yaml);
    let errors: Vec<String> = l
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    l.ruleset.expect("ruleset")
}

fn names<'a>(rs: &'a Ruleset, e: &'a Ev) -> Vec<&'a str> {
    rs.matching(e).map(|r| r.name.as_str()).collect()
}

fn rule(name: &str, cond: &str) -> String {
    format!("- rule: {name}\n  desc: d\n  condition: {cond}\n  output: o\n  priority: WARNING\n")
}

/// Whether condition `cond` (on execve events) holds for `e`.
fn holds(cond: &str, e: &Ev) -> bool {
    let rs = ruleset(&rule("r", &format!("evt.type=execve and ({cond})")));
    rs.matching(e).count() == 1
}

#[test]
fn precedence_not_and_or() {
    // not a and b or c == ((not a) and b) or c
    let c = "not proc.name=a and proc.pname=b or proc.cwd=c";
    let e = |n, p, w| {
        ev(
            "execve",
            &[
                ("proc.name", s(n)),
                ("proc.pname", s(p)),
                ("proc.cwd", s(w)),
            ],
        )
    };
    assert!(holds(c, &e("x", "b", "x")));
    assert!(!holds(c, &e("a", "b", "x")));
    assert!(holds(c, &e("a", "b", "c")));
    assert!(!holds(c, &e("x", "x", "x")));
}

#[test]
fn every_operator() {
    let e = ev(
        "execve",
        &[
            ("proc.name", s("bash")),
            ("proc.pid", Value::Int(42)),
            ("fd.name", s("/etc/shadow")),
            ("fd.sip", Value::Ip("10.1.2.3".parse().unwrap())),
            ("proc.aname", Value::List(vec![s("sshd"), s("systemd")])),
            ("proc.aname[1]", s("sshd")),
            ("proc.pname", s("bash")),
        ],
    );
    for (c, want) in [
        ("proc.name = bash", true),
        ("proc.name == bash", true),
        ("proc.name != bash", false),
        ("proc.pid < 43", true),
        ("proc.pid <= 42", true),
        ("proc.pid > 42", false),
        ("proc.pid >= 42", true),
        ("proc.pid = 0x2a", true),
        ("proc.pid in (1, 42)", true),
        ("fd.name contains shad", true),
        ("fd.name icontains SHAD", true),
        ("fd.name bcontains 736861", true),
        ("fd.name startswith /etc", true),
        ("fd.name bstartswith 2f657463", true),
        ("fd.name endswith dow", true),
        ("fd.name glob '/etc/*'", true),
        ("fd.name iglob '/ETC/*'", true),
        ("fd.name regex '/etc/s.*'", true),
        ("fd.name regex 'etc'", false),
        ("fd.name in (/etc/passwd, /etc/shadow)", true),
        ("fd.name intersects (/etc/shadow)", true),
        ("fd.name pmatch (/etc)", true),
        ("fd.name pmatch (/et)", false),
        ("fd.name exists", true),
        ("fd.directory exists", false),
        ("fd.directory = x", false),
        ("fd.directory != x", false),
        ("fd.sip = 10.1.2.3", true),
        ("fd.sip in (192.168.0.0/16, 10.0.0.0/8)", true),
        ("proc.aname = systemd", true),
        ("proc.aname[1] = sshd", true),
        ("proc.aname[1] = systemd", false),
        ("proc.name = val(proc.pname)", true),
        ("tolower(proc.name) = bash", true),
        ("proc.name in (\"ba sh\", 'bash')", true),
    ] {
        assert_eq!(holds(c, &e), want, "{c}");
    }
}

#[test]
fn values_are_typed_at_load() {
    let l = load_str(&rule("r", "evt.type=execve and proc.pid = abc"));
    assert!(l.ruleset.is_none());
    let d = &l.diagnostics[0];
    assert_eq!(d.code, "LOAD_ERR_COMPILE_CONDITION");
    assert_eq!(d.message, "'abc' is not a valid number for field proc.pid");
    assert_eq!(d.item_name(), "r");
    let l = load_str(&rule("r", "evt.type=nosuch"));
    assert_eq!(l.diagnostics[0].message, "unknown event type nosuch");
}

#[test]
fn lists_nested_and_macros_in_any_order() {
    let rs = ruleset(
        "- rule: r\n  desc: d\n  condition: evt.type=open and shells\n  output: o\n  priority: INFO\n\
         - macro: shells\n  condition: proc.name in (all_shells) or proc.name=tcsh_bin\n\
         - list: sh\n  items: [sh, bash]\n\
         - list: more\n  items: [sh, zsh]\n\
         - list: all_shells\n  items: [more, fish]\n\
         - list: tcsh_bin\n  items: [tcsh]\n",
    );
    let e = |n| ev("open", &[("proc.name", s(n))]);
    for (n, want) in [
        ("bash", true),
        ("zsh", true),
        ("fish", true),
        ("tcsh", true),
        ("ksh", false),
    ] {
        assert_eq!(rs.matching(&e(n)).count() == 1, want, "{n}");
    }
    assert!(rs
        .matching(&ev("execve", &[("proc.name", s("bash"))]))
        .next()
        .is_none());
}

#[test]
fn append_and_override_per_key() {
    let base = "- list: l\n  items: [a]\n\
        - macro: m\n  condition: proc.name in (l)\n\
        - rule: r\n  desc: one\n  condition: evt.type=open and m\n  output: out %proc.name\n  priority: INFO\n  tags: [x]\n";
    // Append (deprecated key and override form).
    let rs = ruleset(&format!(
        "{base}- list: l\n  items: [b]\n  append: true\n\
         - macro: m\n  condition: or proc.name=c\n  override:\n    condition: append\n\
         - rule: r\n  desc: two\n  tags: [y]\n  override:\n    desc: append\n    tags: append\n"
    ));
    let e = |n| ev("open", &[("proc.name", s(n))]);
    assert_eq!(names(&rs, &e("a")), ["r"]);
    assert_eq!(names(&rs, &e("b")), ["r"]);
    assert_eq!(names(&rs, &e("c")), ["r"]);
    let r = &rs.rules()[0];
    assert_eq!(r.desc, "one two");
    assert_eq!(r.tags, ["x", "y"]);
    // Replace.
    let rs = ruleset(&format!(
        "{base}- list: l\n  items: [z]\n  override:\n    items: replace\n\
         - rule: r\n  priority: ERROR\n  output: new\n  override:\n    priority: replace\n    output: replace\n"
    ));
    assert!(names(&rs, &e("a")).is_empty());
    assert_eq!(names(&rs, &e("z")), ["r"]);
    assert_eq!(rs.rules()[0].priority, Priority::Error);
    assert_eq!(rs.rules()[0].output(&e("z")), "new");
    // Redefinition replaces in place.
    let rs = ruleset(&format!(
        "{base}{}",
        rule("r", "evt.type=open and proc.name=q")
    ));
    assert_eq!(names(&rs, &e("q")), ["r"]);
    // Appending to nothing is an error, with Falco's message.
    let l = load_str("- list: nope\n  items: [a]\n  append: true\n");
    assert_eq!(
        l.diagnostics.last().unwrap().message,
        "List has 'append' key but no list by that name already exists"
    );
    let l = load_str(&format!(
        "{base}- rule: r\n  desc: x\n  override:\n    desc: merge\n"
    ));
    assert!(l.diagnostics.iter().any(|d| d
        .message
        .starts_with("Invalid override operation for key 'desc': 'merge'")));
}

#[test]
fn exceptions_and_their_appends() {
    let rs = ruleset(
        "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n  exceptions:\n\
         \x20   - name: pn\n      fields: [proc.name, fd.name]\n      comps: [=, startswith]\n      values:\n        - [cat, /etc]\n\
         \x20   - name: one\n      fields: proc.pname\n      values: [sudo]\n\
         - rule: r\n  exceptions:\n    - name: pn\n      values:\n        - [dog, /tmp]\n  override:\n    exceptions: append\n",
    );
    let e = |n, f, p| {
        ev(
            "open",
            &[("proc.name", s(n)), ("fd.name", s(f)), ("proc.pname", s(p))],
        )
    };
    assert!(names(&rs, &e("cat", "/etc/x", "sh")).is_empty());
    assert!(names(&rs, &e("dog", "/tmp/x", "sh")).is_empty());
    assert!(names(&rs, &e("x", "/tmp/x", "sudo")).is_empty());
    assert_eq!(names(&rs, &e("cat", "/tmp/x", "sh")), ["r"]);
}

#[test]
fn enabled_toggles() {
    let base = rule("r", "evt.type=open");
    let rs = ruleset(&format!("{base}- rule: r\n  enabled: false\n"));
    assert!(rs.rules().is_empty());
    let l = load_str(&format!("{base}- rule: r\n  enabled: false\n"));
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.code == "LOAD_DEPRECATED_ITEM"));
    let rs = ruleset(
        "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n  enabled: false\n\
         - rule: r\n  enabled: true\n  override:\n    enabled: replace\n",
    );
    assert_eq!(rs.rules().len(), 1);
}

#[test]
fn errors_name_file_line_and_item() {
    let l = load_str("- list: a\n  items: [x]\n- rule: bad\n  desc: d\n  condition: evt.type=open and (proc.name=a\n  output: o\n  priority: INFO\n");
    let d = l
        .diagnostics
        .iter()
        .find(|d| d.severity == Severity::Error)
        .unwrap();
    assert_eq!(d.code, "LOAD_ERR_COMPILE_CONDITION");
    assert_eq!(d.message, "expected a ')' token");
    assert_eq!((d.item_type(), d.item_name()), ("rule", "bad"));
    assert!(d.position().starts_with("t.yaml:5:"), "{}", d.position());
    let l = load_str("- macro: m\n  condition: [a\n");
    assert_eq!(l.diagnostics[0].code, "LOAD_ERR_YAML_PARSE");
    let l = load_str(&rule("r", "evt.type=open and nosuchmacro"));
    assert_eq!(
        l.diagnostics[0].message,
        "Undefined macro 'nosuchmacro' used in filter."
    );
    let text = render_validate(
        &l,
        &[RulesInput {
            name: "t.yaml".into(),
            content: rule("r", "evt.type=open and nosuchmacro"),
        }],
    );
    assert!(text.starts_with("t.yaml: Invalid\n\n1 Errors:\nIn rules content: (t.yaml:0:0)\n    rule 'r': (t.yaml:1:3)\n------\n- rule: r\n  ^\n------\nLOAD_ERR_VALIDATE (Error validating rule/macro/list/exception objects): Undefined macro 'nosuchmacro' used in filter.\n"), "{text}");
}

#[test]
fn missing_fields_skip_the_rule() {
    let y = format!(
        "{}{}",
        rule("uses_pfmajor", "evt.type=open and thread.pfmajor > 5"),
        rule("ok", "evt.type=open")
    );
    let l = load_str(&y);
    assert_eq!(
        l.skipped,
        [(
            "uses_pfmajor".to_string(),
            vec!["thread.pfmajor".to_string()]
        )]
    );
    assert_eq!(l.ruleset.as_ref().unwrap().rules().len(), 1);
    let opts = LoadOptions {
        unavailable: vec![("proc.name", "no comm in this source")],
    };
    let l = load(
        &[RulesInput {
            name: "t".into(),
            content: rule("r", "evt.type=open and proc.name=x"),
        }],
        &opts,
    );
    assert_eq!(l.skipped[0].1, ["proc.name (no comm in this source)"]);
    assert!(l.ruleset.unwrap().rules().is_empty());
}

#[test]
fn outputs_and_fields() {
    let rs = ruleset(
        "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: \"%proc.name opened %(fd.name) port=%fd.cport anc=%proc.aname[2] 100%\"\n  priority: INFO\n",
    );
    let e = ev(
        "open",
        &[
            ("proc.name", s("cat")),
            ("fd.name", s("/dev/null")),
            ("proc.aname[2]", s("init")),
        ],
    );
    let r = rs.matching(&e).next().unwrap();
    assert_eq!(r.output(&e), "cat opened /dev/null port=<NA> anc=init 100%");
    assert_eq!(
        r.output_fields(&e),
        [
            ("proc.name".to_string(), Some("cat".to_string())),
            ("fd.name".to_string(), Some("/dev/null".to_string())),
            ("fd.cport".to_string(), None),
            ("proc.aname[2]".to_string(), Some("init".to_string())),
        ]
    );
    let l = load_str("- rule: r\n  desc: d\n  condition: evt.type=open\n  output: \"%not_a_field\"\n  priority: INFO\n");
    assert_eq!(l.diagnostics[0].code, "LOAD_ERR_COMPILE_OUTPUT");
    assert_eq!(
        l.diagnostics[0].message,
        "invalid formatting token not_a_field"
    );
}

#[test]
fn indexed_by_event_type() {
    let rs = ruleset(&format!(
        "{}{}{}",
        rule("a", "evt.type in (open, openat)"),
        rule("b", "proc.name=x"),
        rule("c", "evt.type=execve")
    ));
    assert_eq!(rs.rules()[0].evt_types(), Some(vec!["open", "openat"]));
    assert_eq!(rs.rules()[1].evt_types(), None);
    assert_eq!(
        names(&rs, &ev("openat", &[("proc.name", s("x"))])),
        ["a", "b"]
    );
    assert_eq!(names(&rs, &ev("connect", &[("proc.name", s("x"))])), ["b"]);
    assert_eq!(names(&rs, &ev("execve", &[])), ["c"]);
    let l = load_str(&rule("b", "proc.name=x"));
    assert_eq!(
        l.diagnostics
            .iter()
            .filter(|d| d.code == "LOAD_NO_EVTTYPE")
            .count(),
        1
    );
    let l = load_str(&rule("n", "not (evt.type=execve and proc.name=x)"));
    assert_eq!(
        l.diagnostics
            .iter()
            .filter(|d| d.code == "LOAD_NO_EVTTYPE")
            .count(),
        1
    );
}

#[test]
fn priorities() {
    assert_eq!("info".parse::<Priority>(), Ok(Priority::Informational));
    assert_eq!("WARNING".parse::<Priority>(), Ok(Priority::Warning));
    assert_eq!(Priority::Warning.to_string(), "Warning");
    assert!("loud".parse::<Priority>().is_err());
}

#[test]
fn a_later_file_shows_the_earlier_files_line() {
    // A rule of the first file is skipped again when the second is compiled; its snippet is
    // the first file's line, not the second file's line of the same number.
    let inputs = [
        RulesInput {
            name: "a.yaml".into(),
            content: rule("r", "evt.type=open and proc.name=x"),
        },
        RulesInput {
            name: "b.yaml".into(),
            content: "- list: other\n  items: [y]\n".into(),
        },
    ];
    let opts = LoadOptions {
        unavailable: vec![("proc.name", "not here")],
    };
    let l = load(&inputs, &opts);
    let text = render_validate(&l, &inputs);
    let b = &text[text.find("b.yaml: ").unwrap()..];
    assert!(
        b.contains("    rule 'r': (a.yaml:1:3)\n------\n- rule: r\n  ^\n"),
        "{text}"
    );
    let json = render_validate_json(&l, &inputs);
    let snip = &json["falco_load_results"][1]["warnings"][0]["context"]["snippet"];
    assert_eq!(snip, "- rule: r\n  ^\n", "{json}");
}

#[test]
fn strings_compared_with_named_fields() {
    let y = format!(
        "{}{}{}",
        rule(
            "a",
            "evt.type=connect and fd.sip.name=\"kubernetes.default.svc.cluster.local\""
        ),
        rule(
            "b",
            "evt.type=connect and not fd.cip.name in (a.example, b.example) and proc.name=x"
        ),
        rule("c", "evt.type=connect and fd.sip.name exists")
    );
    let rs = ruleset(&y);
    let got = rs.literals_for(&["fd.sip.name", "fd.cip.name"]);
    assert_eq!(
        got.into_iter().collect::<Vec<_>>(),
        [
            "a.example",
            "b.example",
            "kubernetes.default.svc.cluster.local"
        ]
    );
    assert!(rs.literals_for(&["fd.lip.name"]).is_empty());
}
