// Signed proof of play (docs/proof-of-play.md). At pairing the player makes an Ed25519 key pair with WebCrypto;
// the private key is not extractable and lives only in IndexedDB (as a CryptoKey), the public key goes to the
// server with the pairing request. Each batch is then signed: the signature covers "twincast/plays/v1\n" followed
// by the exact payload bytes, which travel base64-encoded so that the server verifies and keeps what was signed.
// Where WebCrypto has no Ed25519 (older browsers, or a page that is not a secure context: http other than
// localhost), newDeviceKey() gives null, the player pairs without a key and sends unsigned batches, which the
// server accepts and records as unsigned.

const CONTEXT = new TextEncoder().encode('twincast/plays/v1\n');

/** Standard base64 of bytes. */
export function b64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** A new key pair `{keyPair, publicKey}` (public key raw, base64), or null without WebCrypto Ed25519. */
export async function newDeviceKey() {
  try {
    if (!globalThis.crypto || !crypto.subtle) return null;
    const keyPair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    const raw = new Uint8Array(await crypto.subtle.exportKey('raw', keyPair.publicKey));
    if (raw.length !== 32) return null;
    return { keyPair, publicKey: b64(raw) };
  } catch (_) {
    return null;
  }
}

/** The signed body of a batch: `{payload, signature}`. */
export async function signBatch(privateKey, device, seq, events) {
  const payload = new TextEncoder().encode(JSON.stringify({ device, seq, events }));
  const msg = new Uint8Array(CONTEXT.length + payload.length);
  msg.set(CONTEXT);
  msg.set(payload, CONTEXT.length);
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, msg));
  return { payload: b64(payload), signature: b64(sig) };
}
