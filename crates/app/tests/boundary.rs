//! The layering rule, held by a test: faces (the HTTP server, the CLI, and the faces to come)
//! reach tenant data through `lyceum_app`'s use cases, never through the store's repositories,
//! so that every rule and event lives once. Only `store` and `app` may name `lyceum_store::repo`.

use std::path::{Path, PathBuf};

/// The face crates' sources (tests may set up data through the repositories).
const FACES: &[&str] = &["server/src", "cli/src", "worker/src"];

/// Does `source` reach the store's repositories: a `lyceum_store::repo` path, or `repo` inside a
/// `use lyceum_store::{...}` group?
fn reaches_repositories(source: &str) -> bool {
    let compact: String = source.split_whitespace().collect();
    if compact.contains("lyceum_store::repo") {
        return true;
    }
    compact
        .match_indices("lyceum_store::{")
        .any(|(at, opening)| {
            let group = &compact[at + opening.len()..];
            let group = &group[..group.find('}').unwrap_or(group.len())];
            group
                .split(',')
                .any(|item| item == "repo" || item.starts_with("repo::"))
        })
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn the_check_sees_every_way_of_naming_the_repositories() {
    assert!(reaches_repositories("use lyceum_store::repo::users;"));
    assert!(reaches_repositories(
        "let u = lyceum_store :: repo :: users::get(tx, id);"
    ));
    assert!(reaches_repositories(
        "use lyceum_store::{Store, repo::courses};"
    ));
    assert!(reaches_repositories(
        "use lyceum_store::{\n    repo,\n    Store,\n};"
    ));
    assert!(!reaches_repositories("use lyceum_store::{Store, WriteTx};"));
    assert!(!reaches_repositories("use lyceum_app::learning::courses;"));
}

#[test]
fn faces_call_the_application_layer_not_the_repositories() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for face in FACES {
        rust_files(&crates.join(face), &mut files);
    }
    assert!(files.len() > 20, "found only {} face sources", files.len());
    let offenders: Vec<String> = files
        .iter()
        .filter(|path| reaches_repositories(&std::fs::read_to_string(path).expect("a source")))
        .map(|path| {
            path.strip_prefix(&crates)
                .unwrap_or(path)
                .display()
                .to_string()
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "these face sources call lyceum_store::repo; call a lyceum_app use case instead (add one \
         there if none fits): {offenders:?}"
    );
}
