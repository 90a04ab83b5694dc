//! minisign-compatible detached signatures (the format of `minisign -S`, algorithm `ED`): Ed25519 over the file's
//! BLAKE2b-512 hash, plus a global signature over the signature and its trusted comment.
//!
//! A public key file is `untrusted comment: …` then `base64("Ed" || key id (8 bytes) || public key)`; a
//! signature file is `untrusted comment: …`, `base64("ED" || key id || Ed25519(BLAKE2b-512(file)))`,
//! `trusted comment: <text>` and `base64(Ed25519(signature || text))`. Any minisign verifier (the `minisign`
//! tool, `minisign-verify`, rsign2) checks these files with the public key.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use blake2::{Blake2b512, Digest};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

/// The 8-byte key id of `key`: the first 8 bytes of BLAKE2b-512 of the public key (minisign draws it at random;
/// deriving it makes the same key always have the same id).
pub fn key_id(key: &VerifyingKey) -> [u8; 8] {
    let d = Blake2b512::digest(key.to_bytes());
    let mut id = [0u8; 8];
    id.copy_from_slice(&d[..8]);
    id
}

/// The key id as minisign prints it (the little-endian number in upper-case hex).
pub fn key_id_hex(id: &[u8; 8]) -> String {
    format!("{:016X}", u64::from_le_bytes(*id))
}

/// The public key in minisign's file format.
pub fn public_key_file(key: &VerifyingKey) -> String {
    let id = key_id(key);
    let mut raw = b"Ed".to_vec();
    raw.extend_from_slice(&id);
    raw.extend_from_slice(&key.to_bytes());
    format!(
        "untrusted comment: minisign public key {}\n{}\n",
        key_id_hex(&id),
        B64.encode(raw)
    )
}

/// BLAKE2b-512 of `data` (what the `ED` algorithm signs).
pub fn prehash(data: &[u8]) -> [u8; 64] {
    let d = Blake2b512::digest(data);
    let mut out = [0u8; 64];
    out.copy_from_slice(&d);
    out
}

/// A detached signature file of `data` with `trusted_comment` (one line, signed too).
pub fn sign(key: &SigningKey, data: &[u8], trusted_comment: &str) -> String {
    sign_prehashed(key, &prehash(data), trusted_comment)
}

/// [`sign`] given the file's BLAKE2b-512 hash.
pub fn sign_prehashed(key: &SigningKey, hash: &[u8; 64], trusted_comment: &str) -> String {
    let trusted = trusted_comment.replace(['\n', '\r'], " ");
    let id = key_id(&key.verifying_key());
    let sig = key.sign(hash).to_bytes();
    let mut line = b"ED".to_vec();
    line.extend_from_slice(&id);
    line.extend_from_slice(&sig);
    let mut global = sig.to_vec();
    global.extend_from_slice(trusted.as_bytes());
    let global = key.sign(&global).to_bytes();
    format!(
        "untrusted comment: signature from twincast key {}\n{}\ntrusted comment: {trusted}\n{}\n",
        key_id_hex(&id),
        B64.encode(line),
        B64.encode(global)
    )
}

/// Reads a minisign public key: the file's text, or just its base64 line.
pub fn parse_public_key(text: &str) -> Result<([u8; 8], VerifyingKey), String> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
        .ok_or("the public key file has no key line")?;
    let raw = B64
        .decode(line)
        .map_err(|_| "the public key is not base64".to_string())?;
    if raw.len() != 42 || &raw[..2] != b"Ed" {
        return Err("not a minisign Ed25519 public key".into());
    }
    let mut id = [0u8; 8];
    id.copy_from_slice(&raw[2..10]);
    let mut k = [0u8; 32];
    k.copy_from_slice(&raw[10..]);
    let key = VerifyingKey::from_bytes(&k).map_err(|_| "not an Ed25519 public key".to_string())?;
    Ok((id, key))
}

/// Checks a signature file made by [`sign`] (or by `minisign -S`) over `data` with `key`; returns the trusted
/// comment.
pub fn verify(key: &VerifyingKey, data: &[u8], signature_file: &str) -> Result<String, String> {
    verify_prehashed(key, &prehash(data), signature_file)
}

/// [`verify`] given the file's BLAKE2b-512 hash.
pub fn verify_prehashed(
    key: &VerifyingKey,
    hash: &[u8; 64],
    signature_file: &str,
) -> Result<String, String> {
    let mut lines = signature_file.lines();
    let (Some(c1), Some(sig), Some(c2), Some(global)) =
        (lines.next(), lines.next(), lines.next(), lines.next())
    else {
        return Err("a signature file has four lines".into());
    };
    if !c1.starts_with("untrusted comment:") {
        return Err("the signature file does not start with an untrusted comment".into());
    }
    let trusted = c2
        .strip_prefix("trusted comment: ")
        .ok_or("the third line is not a trusted comment")?;
    let raw = B64
        .decode(sig.trim())
        .map_err(|_| "the signature is not base64".to_string())?;
    if raw.len() != 74 || &raw[..2] != b"ED" {
        return Err("not a prehashed (ED) minisign signature".into());
    }
    if raw[2..10] != key_id(key) {
        return Err("the signature was made with another key".into());
    }
    let s = Signature::from_slice(&raw[10..]).map_err(|_| "a malformed signature".to_string())?;
    key.verify(hash, &s)
        .map_err(|_| "the signature does not match the file".to_string())?;
    let g = B64
        .decode(global.trim())
        .map_err(|_| "the global signature is not base64".to_string())?;
    let g = Signature::from_slice(&g).map_err(|_| "a malformed global signature".to_string())?;
    let mut msg = raw[10..].to_vec();
    msg.extend_from_slice(trusted.as_bytes());
    key.verify(&msg, &g)
        .map_err(|_| "the trusted comment was altered".to_string())?;
    Ok(trusted.to_string())
}
