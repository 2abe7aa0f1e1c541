//! The credential cache: one small JSON file per credential, every byte of
//! which that decides where a token goes is authenticated.
//!
//! An entry is sealed with XChaCha20-Poly1305 (RustCrypto's
//! `chacha20poly1305`) under a key derived by HKDF-SHA256 from a secret the
//! cache does not hold (the access key's secret key for a minted token, the
//! token itself for a given token's discovered address), with a random
//! 24-byte nonce from the operating system. The plaintext is the minted
//! token (or nothing, for a given token); the associated data is the whole
//! entry: its file name, version, expiry, cluster, the center service the
//! address came from and the AI address itself. Whoever can write the cache
//! but does not know the secret cannot change any of it, so an entry whose
//! `aiUrl` was rewritten fails to open and is ignored (the token is minted
//! or the address discovered again), and cannot receive the token.
//!
//! Files are written atomically: a private (0600) temporary file in the same
//! directory, renamed over the entry.

use std::path::PathBuf;

use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::platform::cache_dir::{read_entry, write_entry};
use crate::platform::token::Token;

/// Entries of another version are ignored (and replaced).
const VERSION: u64 = 2;
/// Cache files larger than this are not read.
const MAX_ENTRY_BYTES: u64 = 64 * 1024;
const SALT: &[u8] = b"jobcheck credential cache v2";

/// The file name for a key: a hash of its parts, so the file name holds
/// neither the user nor the access key.
pub fn entry_name(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(b"jobcheck-credential-v2");
    for part in parts {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    format!("credential-{}.json", hex::encode(h.finalize()))
}

/// The AEAD key of one entry: HKDF-SHA256 of the secret, bound to the
/// entry's file name.
pub struct SealKey {
    cipher: XChaCha20Poly1305,
    name: String,
}

impl SealKey {
    pub fn new(secret: &[u8], name: &str) -> Option<SealKey> {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(SALT), secret)
            .expand(name.as_bytes(), &mut key)
            .ok()?;
        let cipher = XChaCha20Poly1305::new_from_slice(&key).ok()?;
        Some(SealKey {
            cipher,
            name: name.to_string(),
        })
    }
}

/// A credential entry. Every field is bound to the seal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// Epoch milliseconds after which the entry is renewed.
    pub valid_until: i64,
    pub cluster_id: String,
    /// The center service the AI address was discovered from.
    pub ac_base: Option<String>,
    pub ai_url: Option<String>,
}

impl Entry {
    /// The associated data: the file name and every field, each with its
    /// length, so no two entries share it.
    fn associated_data(&self, name: &str, nonce: &[u8]) -> Vec<u8> {
        let mut ad = Vec::new();
        let mut put = |label: &str, bytes: &[u8]| {
            for part in [label.as_bytes(), bytes] {
                ad.extend_from_slice(&(part.len() as u64).to_le_bytes());
                ad.extend_from_slice(part);
            }
        };
        put("name", name.as_bytes());
        put("version", &VERSION.to_le_bytes());
        put("validUntil", &self.valid_until.to_le_bytes());
        put("clusterId", self.cluster_id.as_bytes());
        let opt = |v: &Option<String>| match v {
            Some(s) => [b"1".as_slice(), s.as_bytes()].concat(),
            None => b"0".to_vec(),
        };
        put("acBase", &opt(&self.ac_base));
        put("aiUrl", &opt(&self.ai_url));
        put("nonce", nonce);
        ad
    }

    pub fn discovered(&self, ac_base: &str) -> Option<String> {
        (self.ac_base.as_deref() == Some(ac_base))
            .then(|| self.ai_url.clone())
            .flatten()
    }
}

/// An entry as stored: the fields, a nonce, and the sealed token (only the
/// tag when there is no token to keep).
#[derive(Clone, Debug)]
struct Stored {
    entry: Entry,
    nonce: Vec<u8>,
    sealed: Vec<u8>,
}

/// Seal `entry` (and `token`, when there is one to keep) with `key`.
fn seal(key: &SealKey, entry: &Entry, token: Option<&Token>) -> Option<Stored> {
    let nonce = XNonce::try_generate().ok()?;
    let ad = entry.associated_data(&key.name, &nonce);
    let plain = token.map(|t| t.expose().as_bytes()).unwrap_or_default();
    let sealed = key
        .cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plain,
                aad: &ad,
            },
        )
        .ok()?;
    Some(Stored {
        entry: entry.clone(),
        nonce: nonce.to_vec(),
        sealed,
    })
}

/// The entry and its token (`None` when it keeps none), if it was sealed
/// with this key and not changed since.
fn open(key: &SealKey, stored: &Stored) -> Option<(Entry, Option<Token>)> {
    let nonce = XNonce::try_from(stored.nonce.as_slice()).ok()?;
    let ad = stored.entry.associated_data(&key.name, &stored.nonce);
    let plain = key
        .cipher
        .decrypt(
            &nonce,
            Payload {
                msg: &stored.sealed,
                aad: &ad,
            },
        )
        .ok()?;
    let token = if plain.is_empty() {
        None
    } else {
        Some(Token::new(std::str::from_utf8(&plain).ok()?).ok()?)
    };
    Some((stored.entry.clone(), token))
}

/// An entry as written, the nonce and sealed bytes in hex.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    version: u64,
    valid_until: i64,
    cluster_id: String,
    ac_base: Option<String>,
    ai_url: Option<String>,
    nonce: String,
    sealed: String,
}

/// The credential cache directory (`None`: nothing is kept).
pub struct Store {
    pub dir: Option<PathBuf>,
}

impl Store {
    /// The entry `name`, if present, readable, and sealed with `key`.
    pub fn load(&self, name: &str, key: &SealKey) -> Option<(Entry, Option<Token>)> {
        let bytes = read_entry(self.dir.as_ref()?, name, MAX_ENTRY_BYTES)?;
        let file: File = serde_json::from_slice(&bytes).ok()?;
        if file.version != VERSION {
            return None;
        }
        let stored = Stored {
            entry: Entry {
                valid_until: file.valid_until,
                cluster_id: file.cluster_id,
                ac_base: file.ac_base,
                ai_url: file.ai_url,
            },
            nonce: hex::decode(&file.nonce).ok()?,
            sealed: hex::decode(&file.sealed).ok()?,
        };
        open(key, &stored)
    }

    /// Seal and write an entry; an error says why it was not kept.
    pub fn save(
        &self,
        name: &str,
        key: &SealKey,
        entry: &Entry,
        token: Option<&Token>,
    ) -> Result<(), String> {
        let Some(dir) = &self.dir else {
            return Ok(());
        };
        let stored = seal(key, entry, token)
            .ok_or("cannot seal the credential cache entry (no random numbers from the system)")?;
        let body = File {
            version: VERSION,
            valid_until: stored.entry.valid_until,
            cluster_id: stored.entry.cluster_id,
            ac_base: stored.entry.ac_base,
            ai_url: stored.entry.ai_url,
            nonce: hex::encode(&stored.nonce),
            sealed: hex::encode(&stored.sealed),
        };
        let text = serde_json::to_vec_pretty(&body).map_err(|e| e.to_string())?;
        write_entry(dir, name, &text).map_err(|e| e.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            valid_until: 4_102_444_800_000,
            cluster_id: "11250".into(),
            ac_base: Some("https://ac.example/".into()),
            ai_url: Some("https://ai.example:8443".into()),
        }
    }

    #[test]
    fn seals_opens_and_rejects_every_change() {
        let token = Token::new("header.payload-that-is-long.sig").unwrap();
        let name = entry_name(&["aksk", "u"]);
        let key = SealKey::new(b"secret", &name).unwrap();
        let stored = seal(&key, &entry(), Some(&token)).unwrap();
        assert!(!String::from_utf8_lossy(&stored.sealed).contains("payload"));
        let (e, t) = open(&key, &stored).unwrap();
        assert_eq!(e, entry());
        assert_eq!(t.unwrap().expose(), token.expose());
        // Another secret, another entry name.
        assert!(open(&SealKey::new(b"other", &name).unwrap(), &stored).is_none());
        assert!(open(&SealKey::new(b"secret", "moved").unwrap(), &stored).is_none());
        // Any field changed.
        let changes: [fn(&mut Stored); 6] = [
            |s| s.entry.ai_url = Some("https://evil.example".into()),
            |s| s.entry.ai_url = None,
            |s| s.entry.ac_base = Some("https://evil.example/".into()),
            |s| s.entry.valid_until += 1,
            |s| s.entry.cluster_id.push('1'),
            |s| s.nonce[0] ^= 1,
        ];
        for change in changes {
            let mut s = stored.clone();
            change(&mut s);
            assert!(open(&key, &s).is_none());
        }
        let mut s = stored.clone();
        s.sealed[0] ^= 1;
        assert!(open(&key, &s).is_none());
        // Two seals never share a nonce.
        assert_ne!(seal(&key, &entry(), None).unwrap().nonce, stored.nonce);
    }

    #[test]
    fn store_round_trips_privately_and_ignores_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store {
            dir: Some(dir.path().join("c")),
        };
        let name = entry_name(&["token", "f"]);
        let key = SealKey::new(b"the-token", &name).unwrap();
        store.save(&name, &key, &entry(), None).unwrap();
        let (e, t) = store.load(&name, &key).unwrap();
        assert_eq!(e, entry());
        assert!(t.is_none());
        let path = dir.path().join("c").join(&name);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("ai.example", "evil.example")).unwrap();
        assert!(store.load(&name, &key).is_none());
        // A link to a genuine entry is not followed.
        store.save(&name, &key, &entry(), None).unwrap();
        #[cfg(unix)]
        {
            let elsewhere = dir.path().join("real.json");
            std::fs::rename(&path, &elsewhere).unwrap();
            std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
            assert!(store.load(&name, &key).is_none());
        }
    }
}
