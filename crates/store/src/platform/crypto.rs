//! Field protection with the Chinese commercial ciphers: SM4-GCM encrypts 公民身份号码
//! and 手机号码 at rest; HMAC-SM3 makes the keyed hashes used to find them (blind
//! index) and to chain the audit log.
//!
//! The master key lives outside the database (a key file beside it, or an environment
//! variable); purpose keys are derived from it. The cipher sits behind [`FieldCipher`]
//! so a certified cryptographic module can replace the software implementation.

use aes_gcm::AesGcm;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use hmac::{Hmac, Mac};
use rand::Rng;
use sm3::Sm3;
use sm4::Sm4;
use std::path::Path;

type Sm4Gcm = AesGcm<Sm4, aes_gcm::aead::consts::U12>;
type HmacSm3 = Hmac<Sm3>;

const NONCE_LEN: usize = 12;
/// Format byte in front of every ciphertext, so a future algorithm can coexist.
const FORMAT_SM4_GCM: u8 = 1;

/// What an encryption provider must offer.
pub trait FieldCipher: Send + Sync {
    /// Encrypts `plain`, binding it to `context` (e.g. the field name).
    fn encrypt(&self, plain: &[u8], context: &[u8]) -> Vec<u8>;
    fn decrypt(&self, sealed: &[u8], context: &[u8]) -> Option<Vec<u8>>;
    /// A keyed hash for equality lookups.
    fn lookup_hash(&self, value: &[u8]) -> Vec<u8>;
    /// A keyed hash chaining audit records.
    fn chain_hash(&self, prev: &[u8], record: &[u8]) -> Vec<u8>;
    /// A keyed MAC over a checkpoint of the audit chain kept outside the database.
    fn anchor_mac(&self, checkpoint: &[u8]) -> Vec<u8>;
}

/// The software provider: RustCrypto's `sm4` (in GCM mode), `sm3` and `hmac`.
pub struct SoftwareSm {
    enc: Sm4Gcm,
    lookup_key: [u8; 32],
    audit_key: [u8; 32],
    anchor_key: [u8; 32],
}

fn hmac_sm3(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <HmacSm3 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    for p in parts {
        mac.update(p);
    }
    let out = mac.finalize().into_bytes();
    let mut a = [0u8; 32];
    a.copy_from_slice(&out);
    a
}

/// A purpose key from the master key: HKDF (RFC 5869) with SM3, the purpose as `info`.
pub fn derive_key(master: &[u8; 32], purpose: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    hkdf::Hkdf::<Sm3>::new(None, master)
        .expand(purpose.as_bytes(), &mut key)
        .unwrap_or_else(|_| unreachable!("32 bytes is far below HKDF-SM3's 8160-byte limit"));
    key
}

impl SoftwareSm {
    pub fn new(master: &[u8; 32]) -> Self {
        let enc_key = derive_key(master, "vanguard/field-encryption/v1");
        let enc = Sm4Gcm::new_from_slice(&enc_key[..16]).unwrap_or_else(|_| unreachable!("SM4 key is 16 bytes"));
        Self {
            enc,
            lookup_key: derive_key(master, "vanguard/lookup-hash/v1"),
            audit_key: derive_key(master, "vanguard/audit-chain/v1"),
            anchor_key: derive_key(master, "vanguard/audit-anchor/v1"),
        }
    }
}

impl FieldCipher for SoftwareSm {
    fn encrypt(&self, plain: &[u8], context: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let ct = self
            .enc
            .encrypt(&nonce.into(), Payload { msg: plain, aad: context })
            .unwrap_or_else(|_| unreachable!("short field values never exceed GCM limits"));
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(FORMAT_SM4_GCM);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    fn decrypt(&self, sealed: &[u8], context: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < 1 + NONCE_LEN || sealed[0] != FORMAT_SM4_GCM {
            return None;
        }
        let nonce: [u8; NONCE_LEN] = sealed[1..1 + NONCE_LEN].try_into().ok()?;
        self.enc.decrypt(&nonce.into(), Payload { msg: &sealed[1 + NONCE_LEN..], aad: context }).ok()
    }

    fn lookup_hash(&self, value: &[u8]) -> Vec<u8> {
        hmac_sm3(&self.lookup_key, &[value]).to_vec()
    }

    fn chain_hash(&self, prev: &[u8], record: &[u8]) -> Vec<u8> {
        hmac_sm3(&self.audit_key, &[prev, record]).to_vec()
    }

    fn anchor_mac(&self, checkpoint: &[u8]) -> Vec<u8> {
        hmac_sm3(&self.anchor_key, &[checkpoint]).to_vec()
    }
}

/// The provider in use, shared by the whole process.
#[derive(Clone)]
pub struct Crypto(std::sync::Arc<dyn FieldCipher>);

impl Crypto {
    pub fn from_master_key(master: &[u8; 32]) -> Self {
        Crypto(std::sync::Arc::new(SoftwareSm::new(master)))
    }

    /// Loads the master key from `VANGUARD_MASTER_KEY` (64 hex digits) or from the key
    /// file, creating the file with a fresh random key (mode 0600) when neither exists.
    pub fn load_or_create(key_file: &Path) -> Result<Self, String> {
        if let Ok(hexkey) = std::env::var("VANGUARD_MASTER_KEY") {
            return parse_key(hexkey.trim()).map(|k| Self::from_master_key(&k));
        }
        if key_file.exists() {
            crate::platform::files::private_file(key_file)
                .map_err(|e| format!("无法设置密钥文件 {} 的权限：{e}", key_file.display()))?;
            let text = std::fs::read_to_string(key_file).map_err(|e| format!("无法读取密钥文件 {}：{e}", key_file.display()))?;
            return parse_key(text.trim()).map(|k| Self::from_master_key(&k));
        }
        if let Some(dir) = key_file.parent() {
            crate::platform::files::ensure_dir(dir).map_err(|e| format!("无法创建目录 {}：{e}", dir.display()))?;
        }
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        crate::platform::files::write_new_private(key_file, hex::encode(key).as_bytes())
            .map_err(|e| format!("无法写入密钥文件 {}：{e}", key_file.display()))?;
        Ok(Self::from_master_key(&key))
    }

    /// A throwaway key (tests).
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Self::from_master_key(&key)
    }

    pub fn encrypt_str(&self, plain: &str, context: &str) -> Vec<u8> {
        self.0.encrypt(plain.as_bytes(), context.as_bytes())
    }
    /// Seals bytes (a photo) for a context.
    pub fn encrypt_bytes(&self, plain: &[u8], context: &str) -> Vec<u8> {
        self.0.encrypt(plain, context.as_bytes())
    }
    /// Opens bytes sealed by [`Self::encrypt_bytes`] for the same context.
    pub fn decrypt_bytes(&self, sealed: &[u8], context: &str) -> Option<Vec<u8>> {
        self.0.decrypt(sealed, context.as_bytes())
    }
    pub fn decrypt_str(&self, sealed: &[u8], context: &str) -> Option<String> {
        self.0.decrypt(sealed, context.as_bytes()).and_then(|b| String::from_utf8(b).ok())
    }
    pub fn lookup_hash(&self, value: &str) -> Vec<u8> {
        self.0.lookup_hash(value.as_bytes())
    }
    pub fn chain_hash(&self, prev: &[u8], record: &[u8]) -> Vec<u8> {
        self.0.chain_hash(prev, record)
    }
    pub fn anchor_mac(&self, checkpoint: &[u8]) -> Vec<u8> {
        self.0.anchor_mac(checkpoint)
    }
}

fn parse_key(hexkey: &str) -> Result<[u8; 32], String> {
    let bytes = hex::decode(hexkey).map_err(|_| "主密钥应为64位十六进制字符".to_string())?;
    bytes.try_into().map_err(|_| "主密钥应为32字节（64位十六进制字符）".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encryption_round_trips_and_hides_the_value() {
        let c = Crypto::random();
        let sealed = c.encrypt_str("11010519491231002X", "id_number");
        assert!(!sealed.windows(18).any(|w| w == b"11010519491231002X"));
        assert_eq!(c.decrypt_str(&sealed, "id_number").as_deref(), Some("11010519491231002X"));
    }

    #[test]
    fn ciphertext_is_bound_to_its_field() {
        let c = Crypto::random();
        let sealed = c.encrypt_str("13805741234", "phone");
        assert_eq!(c.decrypt_str(&sealed, "id_number"), None);
    }

    #[test]
    fn tampered_ciphertext_is_rejected() {
        let c = Crypto::random();
        let mut sealed = c.encrypt_str("13805741234", "phone");
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert_eq!(c.decrypt_str(&sealed, "phone"), None);
    }

    #[test]
    fn equal_values_encrypt_differently_but_hash_alike() {
        let c = Crypto::random();
        assert_ne!(c.encrypt_str("x", "f"), c.encrypt_str("x", "f"));
        assert_eq!(c.lookup_hash("x"), c.lookup_hash("x"));
        assert_ne!(c.lookup_hash("x"), Crypto::random().lookup_hash("x"));
    }

    #[test]
    fn sm3_matches_the_standard_test_vector() {
        use sm3::Digest;
        // GB/T 32905-2016 example 1: SM3("abc").
        let d = Sm3::digest(b"abc");
        assert_eq!(hex::encode(d), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }

    #[test]
    fn sm4_matches_the_standard_test_vector() {
        use sm4::cipher::{BlockCipherEncrypt, KeyInit as _};
        // GB/T 32907-2016 example 1.
        let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
        let cipher = Sm4::new_from_slice(&key).unwrap();
        let mut block = sm4::cipher::Array::try_from(&key[..]).unwrap();
        cipher.encrypt_block(&mut block);
        assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    }
}
