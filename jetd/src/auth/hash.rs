//! Password hashes: making new ones, recognising the ones a users file holds, and checking a
//! password against one.
//!
//! Accepted: argon2 in PHC string format (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`, what
//! jetd makes) and SHA-512-crypt (`$6$[rounds=N$]salt$hash`, what cjet password files,
//! `/etc/shadow` and `openssl passwd -6` hold). Computed and stored hashes are compared in
//! constant time: by the argon2 crate (`password_hash::Output` equality) and here with `subtle`
//! for SHA-512-crypt.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha_crypt::Sha512Params;
use subtle::ConstantTimeEq;

/// A hash with the argon2 crate's default (recommended) parameters, verified for unknown user
/// names so that "no such user" takes as long as "wrong password" and the answer time does not
/// tell an attacker which user names exist. Its password is random and was thrown away; the
/// result of verifying against it is ignored anyway.
pub(crate) const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$Tf3NtiyuEfIt3U65vwa8sA$mla2PBCzyrdOBu5CKcnAMcxfVPFPS2oikh0jHv3/wBw";

/// A password hash from a users file, already checked to be one `verify` can use, so a
/// malformed entry is reported at start, not at the first `authenticate`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum StoredHash {
    /// The whole PHC string; re-parsed (cheaply) at each verification, as `PasswordHash`
    /// borrows from it.
    Argon2(String),
    /// SHA-512-crypt, split into its parts.
    Sha512Crypt {
        rounds: usize,
        salt: String,
        /// The 86-character crypt-base64 digest.
        hash: String,
    },
}

impl std::fmt::Debug for StoredHash {
    /// Redacted: a hash in a log is an offline-cracking target.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoredHash(<redacted>)")
    }
}

/// Why a users-file `password` value is not a usable hash. Never carries the value itself: it
/// may be somebody's real password typed in by mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HashProblem {
    /// Does not start like any hash: most likely a plain-text password.
    PlainText,
    /// A hash in a scheme jetd does not check; the string names the scheme for the user.
    Unsupported(&'static str),
    /// Starts like an argon2 hash but does not parse; the string says what is wrong.
    Malformed(String),
}

/// Crypt-style schemes people may paste from `/etc/shadow`, `htpasswd` or a cjet password
/// file, with a readable name for the error message.
const FOREIGN_SCHEMES: &[(&str, &str)] = &[
    ("$1$", "an MD5-crypt hash (`$1$`)"),
    ("$2a$", "a bcrypt hash (`$2a$`)"),
    ("$2b$", "a bcrypt hash (`$2b$`)"),
    ("$2y$", "a bcrypt hash (`$2y$`)"),
    ("$5$", "a SHA-256-crypt hash (`$5$`)"),
    ("$y$", "a yescrypt hash (`$y$`)"),
    ("$7$", "a scrypt hash (`$7$`)"),
    ("$scrypt$", "a scrypt hash (`$scrypt$`)"),
    ("$pbkdf2", "a PBKDF2 hash (`$pbkdf2...$`)"),
    ("$apr1$", "an Apache MD5 hash (`$apr1$`)"),
];

impl StoredHash {
    /// Recognise `text` (a users-file `password` value) as a hash jetd can check.
    pub(crate) fn parse(text: &str) -> Result<StoredHash, HashProblem> {
        if text.starts_with("$argon2") {
            let parsed =
                PasswordHash::new(text).map_err(|e| HashProblem::Malformed(e.to_string()))?;
            // The algorithm id and the parameters must be ones argon2 accepts, or every later
            // verification would fail as if the password were wrong.
            argon2::Algorithm::try_from(parsed.algorithm)
                .map_err(|e| HashProblem::Malformed(e.to_string()))?;
            argon2::Params::try_from(&parsed).map_err(|e| HashProblem::Malformed(e.to_string()))?;
            if parsed.hash.is_none() {
                return Err(HashProblem::Malformed("the hash part is missing".into()));
            }
            return Ok(StoredHash::Argon2(text.to_owned()));
        }
        if let Some(rest) = text.strip_prefix("$6$") {
            return parse_sha512_crypt(rest);
        }
        match FOREIGN_SCHEMES
            .iter()
            .find(|(prefix, _)| text.starts_with(prefix))
        {
            Some((_, name)) => Err(HashProblem::Unsupported(name)),
            None if text.starts_with('$') => {
                Err(HashProblem::Unsupported("not a hash scheme jetd knows"))
            }
            None => Err(HashProblem::PlainText),
        }
    }

    /// Whether `password` hashes to this hash. Slow on purpose (argon2): call it off the
    /// async executor.
    pub(crate) fn verify(&self, password: &str) -> bool {
        match self {
            // `parse` accepted this string, so it parses again; a failure would mean "no
            // match". `Argon2::default()` only supplies defaults: verification takes the
            // algorithm, version and parameters from the stored hash.
            StoredHash::Argon2(text) => match PasswordHash::new(text) {
                Ok(hash) => Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok(),
                Err(_) => false,
            },
            StoredHash::Sha512Crypt { rounds, salt, hash } => {
                let Ok(params) = Sha512Params::new(*rounds) else {
                    return false; // `parse` checked the range
                };
                match sha_crypt::sha512_crypt_b64(password.as_bytes(), salt.as_bytes(), &params) {
                    Ok(computed) => computed.as_bytes().ct_eq(hash.as_bytes()).into(),
                    Err(_) => false,
                }
            }
        }
    }
}

/// The part of a SHA-512-crypt hash after `$6$`: `[rounds=N$]salt$hash` (Drepper's
/// specification, as glibc and OpenSSL write it).
fn parse_sha512_crypt(rest: &str) -> Result<StoredHash, HashProblem> {
    const SHAPE: &str = "expected `$6$salt$hash` or `$6$rounds=N$salt$hash`";
    let parts: Vec<&str> = rest.split('$').collect();
    let (rounds, salt, hash) = match parts.as_slice() {
        [rounds, salt, hash] => {
            let rounds = rounds
                .strip_prefix("rounds=")
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| HashProblem::Malformed(SHAPE.into()))?;
            (rounds, *salt, *hash)
        }
        [salt, hash] => (sha_crypt::ROUNDS_DEFAULT, *salt, *hash),
        _ => return Err(HashProblem::Malformed(SHAPE.into())),
    };
    if !(sha_crypt::ROUNDS_MIN..=sha_crypt::ROUNDS_MAX).contains(&rounds) {
        return Err(HashProblem::Malformed(format!(
            "rounds must be between {} and {}",
            sha_crypt::ROUNDS_MIN,
            sha_crypt::ROUNDS_MAX
        )));
    }
    let crypt_b64 = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '/';
    if hash.len() != 86 || !hash.chars().all(crypt_b64) {
        return Err(HashProblem::Malformed(
            "the hash part must be 86 characters of `./0-9A-Za-z`".into(),
        ));
    }
    Ok(StoredHash::Sha512Crypt {
        rounds,
        // The algorithm uses at most 16 salt characters; keeping the rest is harmless.
        salt: salt.to_owned(),
        hash: hash.to_owned(),
    })
}

/// A new PHC-format argon2id hash of `password` with a random salt and the argon2 crate's
/// recommended parameters: what `jetd hash-password` prints and the users file stores.
pub fn hash_password(password: &str) -> String {
    hash_with(&Argon2::default(), password)
}

/// Hash with the given argon2 context (tests use cheap parameters through this).
pub(crate) fn hash_with(argon2: &Argon2<'_>, password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2
        .hash_password(password.as_bytes(), &salt)
        // Cannot fail: the salt is generated with a valid length and the parameters are
        // valid by construction of `Argon2`; only an output length outside argon2's limits
        // would, and we use the default.
        .expect("argon2 hashing with a generated salt and valid parameters")
        .to_string()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Argon2id with the smallest parameters argon2 allows: a hash per millisecond, so tests
    /// can make many. Production code never uses this.
    pub(crate) fn cheap_hash(password: &str) -> String {
        let params = argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None).unwrap();
        let argon2 = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        hash_with(&argon2, password)
    }

    /// Memory, time, parallelism: what decides how long a verification takes.
    fn costs(hash: &PasswordHash<'_>) -> (u32, u32, u32) {
        costs_of(&argon2::Params::try_from(hash).unwrap())
    }

    fn costs_of(params: &argon2::Params) -> (u32, u32, u32) {
        (params.m_cost(), params.t_cost(), params.p_cost())
    }

    #[test]
    fn cheap_hash_round_trip() {
        let hash = StoredHash::parse(&cheap_hash("s3cret")).unwrap();
        assert!(hash.verify("s3cret"));
        assert!(!hash.verify("s3cret "));
        assert!(!hash.verify(""));
    }

    #[test]
    fn hash_password_is_argon2id_with_default_params_and_round_trips() {
        let text = hash_password("correct horse");
        let parsed = PasswordHash::new(&text).unwrap();
        assert_eq!(parsed.algorithm, argon2::Algorithm::Argon2id.ident());
        assert_eq!(costs(&parsed), costs_of(&argon2::Params::default()));
        let hash = StoredHash::parse(&text).unwrap();
        assert!(hash.verify("correct horse"));
        assert!(!hash.verify("correct horsE"));
    }

    #[test]
    fn other_argon2_variants_and_costs_verify() {
        // Hashes made by other argon2 tools keep working: verification takes the variant and
        // costs from the hash.
        for algorithm in [argon2::Algorithm::Argon2i, argon2::Algorithm::Argon2d] {
            let params = argon2::Params::new(64, 3, 2, Some(16)).unwrap();
            let argon2 = Argon2::new(algorithm, argon2::Version::V0x10, params);
            let hash = StoredHash::parse(&hash_with(&argon2, "pw")).unwrap();
            assert!(hash.verify("pw"), "{algorithm:?}");
            assert!(!hash.verify("pW"), "{algorithm:?}");
        }
    }

    #[test]
    fn salts_are_random() {
        assert_ne!(cheap_hash("same"), cheap_hash("same"));
    }

    #[test]
    fn dummy_hash_costs_what_a_real_one_costs() {
        // If the argon2 crate's defaults change, unknown users would answer faster (or
        // slower) than known ones: regenerate DUMMY_HASH with `hash_password`.
        let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(parsed.algorithm, argon2::Algorithm::Argon2id.ident());
        assert_eq!(costs(&parsed), costs_of(&argon2::Params::default()));
        assert!(StoredHash::parse(DUMMY_HASH).is_ok());
    }

    #[test]
    fn plain_text_is_refused() {
        for text in ["hunter2", "", "argon2id", " $argon2id$v=19"] {
            assert_eq!(
                StoredHash::parse(text),
                Err(HashProblem::PlainText),
                "{text:?}"
            );
        }
    }

    #[test]
    fn foreign_schemes_are_named() {
        assert_eq!(
            StoredHash::parse("$5$salt$abcdef"),
            Err(HashProblem::Unsupported("a SHA-256-crypt hash (`$5$`)"))
        );
        assert_eq!(
            StoredHash::parse("$2b$12$abcdefghijklmnopqrstuu"),
            Err(HashProblem::Unsupported("a bcrypt hash (`$2b$`)"))
        );
        assert_eq!(
            StoredHash::parse("$secret"),
            Err(HashProblem::Unsupported("not a hash scheme jetd knows"))
        );
    }

    /// The test vectors of Drepper's SHA-crypt specification (also what `openssl passwd -6
    /// -salt saltstring 'Hello world!'` prints).
    const SHA512_VECTORS: &[(&str, &str)] = &[
        (
            "Hello world!",
            "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
        ),
        (
            "Hello world!",
            "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.",
        ),
        (
            "we have a short salt string but not a short password",
            "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0",
        ),
    ];

    #[test]
    fn sha512_crypt_verifies_the_specification_vectors() {
        for (password, text) in SHA512_VECTORS {
            let hash = StoredHash::parse(text).unwrap();
            assert!(hash.verify(password), "{text}");
            assert!(!hash.verify("Hello world"), "{text}");
            assert!(!hash.verify(""), "{text}");
        }
    }

    #[test]
    fn damaged_sha512_crypt_hashes_are_refused() {
        let (_, good) = SHA512_VECTORS[1];
        let cases = [
            "$6$".to_owned(),
            "$6$saltonly".to_owned(),
            good.replacen("rounds=10000", "rounds=ten", 1),
            good.replacen("rounds=10000", "rounds=999", 1),
            good.replacen("rounds=10000", "turns=10000", 1),
            format!("{good}$extra"),
            good[..good.len() - 1].to_owned(),
            good.replacen("OW1/", "OW1_", 1),
        ];
        for text in cases {
            assert!(
                matches!(StoredHash::parse(&text), Err(HashProblem::Malformed(_))),
                "{text:?} gave {:?}",
                StoredHash::parse(&text).err()
            );
        }
    }

    #[test]
    fn damaged_argon2_hashes_are_refused() {
        let good = cheap_hash("x");
        let cases = [
            // truncated after the parameters: no salt, no hash
            good.rsplitn(3, '$').nth(2).unwrap().to_owned(),
            // no hash part
            good.rsplit_once('$').unwrap().0.to_owned(),
            // unknown variant
            good.replacen("$argon2id$", "$argon2x$", 1),
            // memory cost below argon2's minimum
            good.replacen("m=8,", "m=1,", 1),
            // bad base64 in the hash
            format!("{good}!"),
        ];
        for text in cases {
            assert!(
                matches!(StoredHash::parse(&text), Err(HashProblem::Malformed(_))),
                "{text:?} gave {:?}",
                StoredHash::parse(&text).err()
            );
        }
    }
}
