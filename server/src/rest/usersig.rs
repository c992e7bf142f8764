//! The vendor's UserSig ("TLSSigAPIv2"): a JSON document signed with HMAC-SHA256 under the
//! application's secret key, zlib-compressed and base64-encoded with `+/=` replaced by
//! `*-_`. The server verifies every REST call's signature; `generate` is the same algorithm
//! the other way, for the Settings page's example and for tests.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::io::Read;

/// Why a signature was refused. Each has the vendor's error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigError {
    /// Not a UserSig at all (bad base64, zlib or JSON).
    Malformed,
    Expired,
    /// The HMAC does not match: tampered with, or made with another key.
    BadSignature,
    /// Made for another identifier than the one calling.
    WrongIdentifier,
    /// Made for another application than the one called.
    WrongApplication,
}

impl SigError {
    pub fn code(self) -> i64 {
        match self {
            SigError::Malformed => 70003,
            SigError::Expired => 70001,
            SigError::BadSignature => 70009,
            SigError::WrongIdentifier => 70013,
            SigError::WrongApplication => 70014,
        }
    }

    pub fn info(self) -> &'static str {
        match self {
            SigError::Malformed => "UserSig is not valid: it could not be decoded",
            SigError::Expired => "UserSig has expired; make a new one",
            SigError::BadSignature => "UserSig verification failed: it was not made with this application's secret key",
            SigError::WrongIdentifier => "UserSig was made for another identifier than the one in the request",
            SigError::WrongApplication => {
                "UserSig was made for another application (sdkappid) than the one in the request"
            }
        }
    }
}

/// The URL-safe alphabet of the vendor: `+` -> `*`, `/` -> `-`, `=` -> `_`.
fn unescape(sig: &str) -> String {
    sig.chars()
        .map(|c| match c {
            '*' => '+',
            '-' => '/',
            '_' => '=',
            other => other,
        })
        .collect()
}

fn escape(encoded: &str) -> String {
    encoded
        .chars()
        .map(|c| match c {
            '+' => '*',
            '/' => '-',
            '=' => '_',
            other => other,
        })
        .collect()
}

fn content(identifier: &str, sdkappid: i64, time: i64, expire: i64, userbuf: Option<&str>) -> String {
    let mut text =
        format!("TLS.identifier:{identifier}\nTLS.sdkappid:{sdkappid}\nTLS.time:{time}\nTLS.expire:{expire}\n");
    if let Some(buf) = userbuf {
        text.push_str(&format!("TLS.userbuf:{buf}\n"));
    }
    text
}

#[allow(clippy::expect_used, reason = "HMAC takes keys of any length; this cannot fail")]
fn mac(key: &str) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).expect("HMAC accepts any key length")
}

/// Checks `usersig` for a call by `identifier` to application `sdkappid` at unix time `now`.
pub fn verify(usersig: &str, key: &str, sdkappid: i64, identifier: &str, now: i64) -> Result<(), SigError> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    if usersig.len() > 4096 {
        return Err(SigError::Malformed);
    }
    let compressed = LENIENT.decode(unescape(usersig.trim())).map_err(|_| SigError::Malformed)?;
    // A UserSig is a few hundred bytes; refuse to inflate anything much larger.
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(compressed.as_slice())
        .take(16 * 1024)
        .read_to_end(&mut json)
        .map_err(|_| SigError::Malformed)?;
    let doc: serde_json::Value = serde_json::from_slice(&json).map_err(|_| SigError::Malformed)?;
    let text = |k: &str| doc.get(k).and_then(|v| v.as_str());
    let number = |k: &str| doc.get(k).and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()));
    let (Some(sig_identifier), Some(sig_appid), Some(time), Some(expire), Some(sig)) =
        (text("TLS.identifier"), number("TLS.sdkappid"), number("TLS.time"), number("TLS.expire"), text("TLS.sig"))
    else {
        return Err(SigError::Malformed);
    };
    let expected = STANDARD.decode(sig).map_err(|_| SigError::Malformed)?;
    let mut check = mac(key);
    check.update(content(sig_identifier, sig_appid, time, expire, text("TLS.userbuf")).as_bytes());
    // Constant-time comparison.
    check.verify_slice(&expected).map_err(|_| SigError::BadSignature)?;
    if sig_appid != sdkappid {
        return Err(SigError::WrongApplication);
    }
    if sig_identifier != identifier {
        return Err(SigError::WrongIdentifier);
    }
    if time.saturating_add(expire) < now {
        return Err(SigError::Expired);
    }
    Ok(())
}

/// Makes a UserSig for `identifier`, valid `expire` seconds from `now`.
pub fn generate(sdkappid: i64, key: &str, identifier: &str, expire: i64, now: i64) -> String {
    use flate2::write::ZlibEncoder;
    use std::io::Write;
    let mut signer = mac(key);
    signer.update(content(identifier, sdkappid, now, expire, None).as_bytes());
    let sig = STANDARD.encode(signer.finalize().into_bytes());
    let doc = serde_json::json!({
        "TLS.ver": "2.0",
        "TLS.identifier": identifier,
        "TLS.sdkappid": sdkappid,
        "TLS.expire": expire,
        "TLS.time": now,
        "TLS.sig": sig,
    });
    let mut encoder = ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(doc.to_string().as_bytes());
    let compressed = encoder.finish().unwrap_or_default();
    escape(&STANDARD.encode(compressed))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

    #[test]
    fn round_trip_and_each_refusal() {
        let now = 1_800_000_000;
        let sig = generate(1400000001, KEY, "administrator", 86400, now);
        assert!(sig.chars().all(|c| c.is_ascii_alphanumeric() || "*-_".contains(c)), "{sig}");
        assert_eq!(verify(&sig, KEY, 1400000001, "administrator", now + 10), Ok(()));
        assert_eq!(verify(&sig, KEY, 1400000001, "administrator", now + 86401), Err(SigError::Expired));
        assert_eq!(verify(&sig, "another key", 1400000001, "administrator", now), Err(SigError::BadSignature));
        assert_eq!(verify(&sig, KEY, 1400000002, "administrator", now), Err(SigError::WrongApplication));
        assert_eq!(verify(&sig, KEY, 1400000001, "someone", now), Err(SigError::WrongIdentifier));
        assert_eq!(verify("not a sig", KEY, 1400000001, "administrator", now), Err(SigError::Malformed));
        assert_eq!(verify("", KEY, 1400000001, "administrator", now), Err(SigError::Malformed));
    }

    #[test]
    fn a_changed_field_breaks_the_signature() {
        let now = 1_800_000_000;
        let sig = generate(1400000001, KEY, "administrator", 60, now);
        // Re-sign the document with a longer expiry but the old HMAC: refused.
        let compressed = STANDARD.decode(unescape(&sig)).unwrap();
        let mut json = String::new();
        flate2::read::ZlibDecoder::new(compressed.as_slice()).read_to_string(&mut json).unwrap();
        let forged_json = json.replace("\"TLS.expire\":60", "\"TLS.expire\":999999");
        assert_ne!(json, forged_json);
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut encoder, forged_json.as_bytes()).unwrap();
        let forged = escape(&STANDARD.encode(encoder.finish().unwrap()));
        assert_eq!(verify(&forged, KEY, 1400000001, "administrator", now + 100), Err(SigError::BadSignature));
    }
}
