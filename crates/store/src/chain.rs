//! The hash chain both audit logs share (a tenant's `audit_log`, the directory's
//! `platform_audit_log`): how an entry's hash is computed, and the walk that checks a chain
//! entry by entry and names its first broken entry.
//!
//! Entry `seq` (1, 2, 3 ...) stores `prev_hash`, the hash of entry `seq - 1` ([`GENESIS`] for
//! the first), and `hash`, SHA-256 over a domain tag and its fields, `seq` and `prev_hash`
//! included, each encoded with its length (so no two different entries share bytes). An entry
//! edited in place no longer matches its hash; one removed leaves the next naming a hash that
//! is gone; one moved names a predecessor that is elsewhere. The chain cannot tell that its
//! newest entries were cut off, nor that it was rewritten whole: the head it reports
//! ([`ChainReport::head`]) is what an operator keeps elsewhere to tell.

use crate::error::StoreError;
use serde::Serialize;
use std::fmt;

/// The length of a hash, in bytes.
const HASH_LEN: usize = 32;

/// The hash of an entry (SHA-256).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChainHash([u8; HASH_LEN]);

/// The `prev_hash` of a chain's first entry.
pub(crate) const GENESIS: ChainHash = ChainHash([0; HASH_LEN]);

impl ChainHash {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Lower-case hexadecimal, as the API and the command line show it.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

impl fmt::Display for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChainHash({self})")
    }
}

/// Bytes as lower-case hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The canonical bytes of an entry, fed field by field into SHA-256: a field that is absent
/// and one that is empty hash differently, and every field carries its length.
pub(crate) struct Canonical(ring::digest::Context);

impl Canonical {
    /// Starts an entry of the chain kind `tag` (`lyceum.audit_log.v1` ...), so that entries of
    /// different logs never hash alike.
    pub(crate) fn new(tag: &str) -> Self {
        Canonical(ring::digest::Context::new(&ring::digest::SHA256)).bytes(Some(tag.as_bytes()))
    }

    pub(crate) fn bytes(mut self, value: Option<&[u8]>) -> Self {
        match value {
            None => self.0.update(&[0]),
            Some(bytes) => {
                self.0.update(&[1]);
                self.0.update(&(bytes.len() as u64).to_be_bytes());
                self.0.update(bytes);
            }
        }
        self
    }

    pub(crate) fn text(self, value: Option<&str>) -> Self {
        self.bytes(value.map(str::as_bytes))
    }

    pub(crate) fn int(self, value: i64) -> Self {
        self.bytes(Some(&value.to_be_bytes()))
    }

    pub(crate) fn uuid(self, value: Option<uuid::Uuid>) -> Self {
        self.bytes(value.as_ref().map(|id| id.as_bytes().as_slice()))
    }

    /// A JSON value, with object keys in order at every depth: the same value hashes the same
    /// however an engine stored it (PostgreSQL's `jsonb` reorders keys).
    pub(crate) fn json(self, value: Option<&serde_json::Value>) -> Self {
        self.text(value.map(canonical_json).as_deref())
    }

    pub(crate) fn finish(self) -> ChainHash {
        let digest = self.0.finish();
        let mut hash = [0; HASH_LEN];
        hash.copy_from_slice(digest.as_ref());
        ChainHash(hash)
    }
}

/// `value` as compact JSON text with object keys sorted at every depth.
fn canonical_json(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .into_iter()
                .map(|key| {
                    format!(
                        "{}:{}",
                        Value::from(key.as_str()),
                        canonical_json(&map[key])
                    )
                })
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical_json).collect();
            format!("[{}]", items.join(","))
        }
        scalar => scalar.to_string(),
    }
}

/// The first entry that breaks a chain, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ChainBreak {
    /// Entry `seq` no longer matches its hash: a field of it was changed.
    Edited { seq: i64 },
    /// Entry `seq` is gone: the entry after it names a predecessor that no longer exists.
    Removed { seq: i64 },
    /// Entry `seq` is out of place: it names as its predecessor an entry found elsewhere in
    /// the chain.
    Reordered { seq: i64 },
}

impl ChainBreak {
    /// The entry named.
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::Edited { seq }
            | ChainBreak::Removed { seq }
            | ChainBreak::Reordered { seq } => *seq,
        }
    }
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainBreak::Edited { seq } => write!(f, "entry {seq} was edited"),
            ChainBreak::Removed { seq } => write!(f, "entry {seq} was removed"),
            ChainBreak::Reordered { seq } => write!(f, "entry {seq} was moved out of order"),
        }
    }
}

/// The newest entry of a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: ChainHash,
}

/// What checking a chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Entries checked (up to the first broken one).
    pub entries: u64,
    /// The newest entry checked, if any: keep it elsewhere to tell later that nothing was cut
    /// off or rewritten.
    pub head: Option<ChainHead>,
    /// The first broken entry; `None` when the chain holds.
    pub broken: Option<ChainBreak>,
    /// Entries written before the log was chained (the platform log's first entries; none in
    /// a tenant's log). Nothing protects them.
    pub unchained: u64,
}

impl ChainReport {
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// One stored entry as the walk sees it: its place, the hashes it stores, and the hash its
/// stored fields give now.
pub(crate) struct Link<'a> {
    pub seq: i64,
    pub prev_hash: &'a [u8],
    pub hash: &'a [u8],
    pub recomputed: ChainHash,
}

/// A chain as stored: read in `seq` order, a batch at a time, and searched by hash.
pub(crate) trait ChainSource {
    type Entry;

    /// Up to `limit` entries after entry `seq`, in `seq` order.
    async fn after(&mut self, seq: i64, limit: u32) -> Result<Vec<Self::Entry>, StoreError>;

    /// Is there an entry whose hash is `hash`?
    async fn holds(&mut self, hash: &[u8]) -> Result<bool, StoreError>;

    /// An entry as the walk sees it.
    fn link(entry: &Self::Entry) -> Link<'_>;
}

/// Entries read per round trip while checking a chain.
const CHECK_BATCH: u32 = 1_000;

/// Checks the chain of `source` from its first entry to its last, and names the first entry
/// that was edited, removed or moved. `unchained` entries (written before the chain began) are
/// reported as counted.
pub(crate) async fn check<S: ChainSource>(
    source: &mut S,
    unchained: u64,
) -> Result<ChainReport, StoreError> {
    let mut walk = Walk::new();
    loop {
        let entries = source.after(walk.after(), CHECK_BATCH).await?;
        let done = entries.len() < CHECK_BATCH as usize;
        for entry in &entries {
            match walk.step(S::link(entry)) {
                Ok(()) => {}
                Err(Stop::Broken(broken)) => return Ok(walk.report(Some(broken), unchained)),
                Err(Stop::Unlinked { seq, names }) => {
                    let elsewhere = source.holds(&names).await?;
                    let broken = walk.resolve(seq, elsewhere);
                    return Ok(walk.report(Some(broken), unchained));
                }
            }
        }
        if done {
            return Ok(walk.report(None, unchained));
        }
    }
}

/// Why the walk stopped at an entry.
enum Stop {
    Broken(ChainBreak),
    /// Entry `seq` names as its predecessor `names`, which is not the entry before it: moved
    /// if an entry with that hash exists elsewhere, else its predecessor was removed (see
    /// [`Walk::resolve`]).
    Unlinked {
        seq: i64,
        names: Vec<u8>,
    },
}

/// A walk along a chain in `seq` order.
struct Walk {
    next_seq: i64,
    prev: Vec<u8>,
    head: Option<ChainHead>,
    entries: u64,
}

impl Walk {
    fn new() -> Self {
        Walk {
            next_seq: 1,
            prev: GENESIS.as_bytes().to_vec(),
            head: None,
            entries: 0,
        }
    }

    /// The `seq` after the last entry that held.
    fn after(&self) -> i64 {
        self.next_seq - 1
    }

    /// Checks the next entry.
    fn step(&mut self, link: Link<'_>) -> Result<(), Stop> {
        if link.prev_hash != self.prev.as_slice() {
            return Err(Stop::Unlinked {
                seq: link.seq,
                names: link.prev_hash.to_vec(),
            });
        }
        if link.hash != link.recomputed.as_bytes() || link.seq != self.next_seq {
            return Err(Stop::Broken(ChainBreak::Edited { seq: link.seq }));
        }
        self.next_seq = link.seq + 1;
        self.prev = link.hash.to_vec();
        self.head = Some(ChainHead {
            seq: link.seq,
            hash: link.recomputed,
        });
        self.entries += 1;
        Ok(())
    }

    /// What an unlinked entry `seq` means, once it is known whether the hash it names exists
    /// elsewhere in the chain: moved there, or (its predecessor gone) a removal; when no `seq`
    /// is missing before it, its own `prev_hash` was changed, or entries were renumbered to
    /// hide a removal, and it is reported edited.
    fn resolve(&self, seq: i64, found_elsewhere: bool) -> ChainBreak {
        if found_elsewhere {
            ChainBreak::Reordered { seq }
        } else if seq > self.next_seq {
            ChainBreak::Removed { seq: self.next_seq }
        } else {
            ChainBreak::Edited { seq }
        }
    }

    /// The report once the walk is over (`broken` where it stopped).
    fn report(self, broken: Option<ChainBreak>, unchained: u64) -> ChainReport {
        ChainReport {
            entries: self.entries,
            head: self.head,
            broken,
            unchained,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chain of `n` entries whose content is their number.
    fn chain(n: i64) -> Vec<(i64, Vec<u8>, Vec<u8>, i64)> {
        let mut prev = GENESIS.as_bytes().to_vec();
        let mut entries = Vec::new();
        for seq in 1..=n {
            let hash = content_hash(seq, &prev, seq);
            entries.push((seq, prev.clone(), hash.as_bytes().to_vec(), seq));
            prev = hash.as_bytes().to_vec();
        }
        entries
    }

    fn content_hash(seq: i64, prev: &[u8], content: i64) -> ChainHash {
        Canonical::new("test")
            .int(seq)
            .bytes(Some(prev))
            .int(content)
            .finish()
    }

    /// Entries as a store holds them: `(seq, prev_hash, hash, content)`.
    struct Stored(Vec<(i64, Vec<u8>, Vec<u8>, i64)>);

    impl ChainSource for Stored {
        type Entry = (i64, Vec<u8>, Vec<u8>, i64);

        async fn after(&mut self, seq: i64, limit: u32) -> Result<Vec<Self::Entry>, StoreError> {
            let mut entries: Vec<_> = self.0.iter().filter(|e| e.0 > seq).cloned().collect();
            entries.sort_by_key(|e| e.0);
            entries.truncate(limit as usize);
            Ok(entries)
        }

        async fn holds(&mut self, hash: &[u8]) -> Result<bool, StoreError> {
            Ok(self.0.iter().any(|e| e.2 == hash))
        }

        fn link(entry: &Self::Entry) -> Link<'_> {
            Link {
                seq: entry.0,
                prev_hash: &entry.1,
                hash: &entry.2,
                recomputed: content_hash(entry.0, &entry.1, entry.3),
            }
        }
    }

    async fn walk(entries: &[(i64, Vec<u8>, Vec<u8>, i64)]) -> ChainReport {
        check(&mut Stored(entries.to_vec()), 0).await.unwrap()
    }

    #[tokio::test]
    async fn an_intact_chain_holds_and_reports_its_head() {
        let entries = chain(5);
        let report = walk(&entries).await;
        assert!(report.is_intact());
        assert_eq!(report.entries, 5);
        assert_eq!(report.head.unwrap().seq, 5);
        assert_eq!(
            report.head.unwrap().hash.as_bytes(),
            entries[4].2.as_slice()
        );
        assert!(walk(&[]).await.is_intact());
    }

    #[tokio::test]
    async fn edits_removals_and_moves_are_named_at_their_entry() {
        let mut edited = chain(5);
        edited[2].3 = 99;
        assert_eq!(
            walk(&edited).await.broken,
            Some(ChainBreak::Edited { seq: 3 })
        );

        let mut removed = chain(5);
        removed.remove(2);
        assert_eq!(
            walk(&removed).await.broken,
            Some(ChainBreak::Removed { seq: 3 })
        );
        let mut first_removed = chain(3);
        first_removed.remove(0);
        assert_eq!(
            walk(&first_removed).await.broken,
            Some(ChainBreak::Removed { seq: 1 })
        );

        // Entries 3 and 4 trade places (their numbers swapped).
        let mut moved = chain(5);
        moved.swap(2, 3);
        moved[2].0 = 3;
        moved[3].0 = 4;
        assert_eq!(
            walk(&moved).await.broken,
            Some(ChainBreak::Reordered { seq: 3 })
        );

        let mut relinked = chain(5);
        relinked[3].1 = vec![7; HASH_LEN];
        assert_eq!(
            walk(&relinked).await.broken,
            Some(ChainBreak::Edited { seq: 4 })
        );

        let mut renumbered = chain(5);
        renumbered[4].0 = 6;
        assert_eq!(
            walk(&renumbered).await.broken,
            Some(ChainBreak::Edited { seq: 6 })
        );
    }

    #[test]
    fn fields_are_length_prefixed_and_absence_differs_from_empty() {
        let a = Canonical::new("t")
            .text(Some("ab"))
            .text(Some("c"))
            .finish();
        let b = Canonical::new("t")
            .text(Some("a"))
            .text(Some("bc"))
            .finish();
        assert_ne!(a, b);
        let none = Canonical::new("t").text(None).finish();
        let empty = Canonical::new("t").text(Some("")).finish();
        assert_ne!(none, empty);
        assert_ne!(
            Canonical::new("t").finish(),
            Canonical::new("u").finish(),
            "the tag separates logs"
        );
    }
}
