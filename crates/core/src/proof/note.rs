//! C2SP signed notes (`signed-note`) with Ed25519 keys, and the transparency log's checkpoint (`tlog-checkpoint`).
//!
//! A note is UTF-8 text ending in a newline, a blank line, then signature lines `— <key name> <base64(key id ||
//! signature)>`. The key id is the first 4 bytes of `SHA-256(key name || 0x0A || 0x01 || public key)`; a verifier
//! key is written `<name>+<hex key id>+<base64(0x01 || public key)>`. A checkpoint's text is three lines: the
//! log's origin, the tree size in decimal, the root hash in base64.

use super::merkle::Hash;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

/// The signature type byte of Ed25519 in signed notes.
const ALG_ED25519: u8 = 0x01;
/// What starts a signature line: an em dash and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// A note or key could not be read or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoteError(pub String);

fn err<T>(m: impl Into<String>) -> Result<T, NoteError> {
    Err(NoteError(m.into()))
}

/// The 4-byte key id of an Ed25519 key `name`.
pub fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ALG_ED25519]);
    h.update(public);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// Whether `name` may name a key: non-empty, no whitespace, no `+`.
pub fn valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

/// A verifier key: a name and an Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    /// Key name (the log's origin).
    pub name: String,
    /// The public key.
    pub key: VerifyingKey,
}

impl NoteVerifier {
    /// Reads `<name>+<hex key id>+<base64(0x01 || key)>`.
    pub fn parse(vkey: &str) -> Result<NoteVerifier, NoteError> {
        let vkey = vkey.trim();
        // The name has no `+` and the id is hex; the base64 key may contain `+`: split from the left.
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
            return err("a verifier key is <name>+<key id>+<key>");
        };
        if !valid_key_name(name) {
            return err("the key name is not valid");
        }
        let raw = B64
            .decode(data)
            .map_err(|_| NoteError("the key is not base64".into()))?;
        if raw.len() != 33 || raw[0] != ALG_ED25519 {
            return err("only Ed25519 keys (type 0x01, 32 bytes) are supported");
        }
        let mut k = [0u8; 32];
        k.copy_from_slice(&raw[1..]);
        let key =
            VerifyingKey::from_bytes(&k).map_err(|_| NoteError("not an Ed25519 key".into()))?;
        if hex_lower(&key_id(name, &k)) != id.to_ascii_lowercase() {
            return err("the key id does not match the key");
        }
        Ok(NoteVerifier {
            name: name.to_string(),
            key,
        })
    }

    /// The text form.
    pub fn encode(&self) -> String {
        let k = self.key.to_bytes();
        let mut data = vec![ALG_ED25519];
        data.extend_from_slice(&k);
        format!(
            "{}+{}+{}",
            self.name,
            hex_lower(&key_id(&self.name, &k)),
            B64.encode(data)
        )
    }

    /// Checks that `note` carries a valid signature of this key and returns its text. A signature line of this
    /// key's name and id that does not verify rejects the note; lines of other keys are ignored.
    pub fn open<'a>(&self, note: &'a str) -> Result<&'a str, NoteError> {
        let Some(split) = note.rfind("\n\n") else {
            return err("a signed note has a blank line before its signatures");
        };
        let (text, sigs) = (&note[..split + 1], &note[split + 2..]);
        if note.chars().any(|c| c.is_control() && c != '\n') {
            return err("a note has no control characters but newlines");
        }
        if !sigs.ends_with('\n') {
            return err("the signature lines end with a newline");
        }
        let id = key_id(&self.name, &self.key.to_bytes());
        for line in sigs.lines() {
            let Some(rest) = line.strip_prefix(SIG_PREFIX) else {
                return err("a signature line starts with an em dash");
            };
            let Some((name, b)) = rest.split_once(' ') else {
                return err("a signature line is '— <name> <signature>'");
            };
            if name != self.name {
                continue;
            }
            let raw = B64
                .decode(b)
                .map_err(|_| NoteError("a signature is not base64".into()))?;
            if raw.len() != 68 || raw[..4] != id {
                continue;
            }
            let sig = Signature::from_slice(&raw[4..])
                .map_err(|_| NoteError("a signature is malformed".into()))?;
            return self
                .key
                .verify(text.as_bytes(), &sig)
                .map(|_| text)
                .map_err(|_| NoteError(format!("the signature of {} does not verify", self.name)));
        }
        err(format!("the note has no signature of {}", self.name))
    }
}

/// Signs `text` (which ends with a newline) as key `name`.
pub fn sign_note(name: &str, key: &SigningKey, text: &str) -> Result<String, NoteError> {
    if !valid_key_name(name) {
        return err("the key name is not valid");
    }
    if !text.ends_with('\n')
        || text.contains("\n\n")
        || text.chars().any(|c| c.is_control() && c != '\n')
    {
        return err(
            "a note's text ends with a newline and has no blank line or control characters",
        );
    }
    let mut raw = key_id(name, &key.verifying_key().to_bytes()).to_vec();
    raw.extend_from_slice(&key.sign(text.as_bytes()).to_bytes());
    Ok(format!("{text}\n{SIG_PREFIX}{name} {}\n", B64.encode(raw)))
}

/// A checkpoint of the log: origin, size and root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin (its key name).
    pub origin: String,
    /// Leaves in the tree.
    pub size: u64,
    /// The tree's root hash.
    pub root: Hash,
}

impl Checkpoint {
    /// The checkpoint's text (three lines).
    pub fn text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        )
    }

    /// Reads a checkpoint's text (extension lines after the third are allowed and ignored).
    pub fn parse_text(text: &str) -> Result<Checkpoint, NoteError> {
        let mut lines = text.lines();
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return err("a checkpoint has an origin, a size and a root hash");
        };
        let size: u64 = match size.parse::<u64>() {
            Ok(n) if size == n.to_string() => n,
            _ => return err("the checkpoint's size is not a decimal number"),
        };
        let raw = B64
            .decode(root)
            .map_err(|_| NoteError("the checkpoint's root is not base64".into()))?;
        let root: Hash = raw
            .try_into()
            .map_err(|_| NoteError("the checkpoint's root is not 32 bytes".into()))?;
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
        })
    }

    /// Signs the checkpoint with the log's key (named by the origin).
    pub fn sign(&self, key: &SigningKey) -> Result<String, NoteError> {
        sign_note(&self.origin, key, &self.text())
    }

    /// Verifies a signed checkpoint with the log's verifier key and reads it; its origin must be the key's name.
    pub fn open(note: &str, verifier: &NoteVerifier) -> Result<Checkpoint, NoteError> {
        let text = verifier.open(note)?;
        let c = Checkpoint::parse_text(text)?;
        if c.origin != verifier.name {
            return err(format!(
                "the checkpoint's origin {:?} is not the log {:?}",
                c.origin, verifier.name
            ));
        }
        Ok(c)
    }
}

/// Lower-case hex.
pub fn hex_lower(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
