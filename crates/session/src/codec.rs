//! [`SessionCodec`]: how a session becomes bytes for a shared store and back, and
//! [`StringCodec`] for sessions that are text.

use std::error::Error;

/// Turns a session into bytes for a shared store (such as `RedisStore`)
/// and back. A session that holds a live connection cannot be shared; share its token and
/// rebuild the client around it in `decode`.
///
/// # Examples
///
/// ```
/// use selvedge_session::SessionCodec;
///
/// struct Token(u64);
/// struct TokenCodec;
/// impl SessionCodec<Token> for TokenCodec {
///     fn encode(&self, session: &Token) -> Vec<u8> {
///         session.0.to_be_bytes().to_vec()
///     }
///     fn decode(&self, bytes: &[u8]) -> Result<Token, Box<dyn std::error::Error + Send + Sync>> {
///         Ok(Token(u64::from_be_bytes(bytes.try_into()?)))
///     }
/// }
/// let bytes = TokenCodec.encode(&Token(42));
/// assert_eq!(TokenCodec.decode(&bytes)?.0, 42);
/// assert!(TokenCodec.decode(b"short").is_err());
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// ```
pub trait SessionCodec<S>: Send + Sync + 'static {
    /// The session as bytes.
    fn encode(&self, session: &S) -> Vec<u8>;

    /// The session these bytes encode.
    ///
    /// # Errors
    ///
    /// Whatever makes the bytes unreadable; the store reports it as
    /// [`StoreError::Corrupt`](crate::StoreError::Corrupt).
    fn decode(&self, bytes: &[u8]) -> Result<S, Box<dyn Error + Send + Sync>>;
}

/// The codec of sessions that are a `String` (a cookie, a bearer token): UTF-8 bytes.
///
/// # Examples
///
/// ```
/// use selvedge_session::{SessionCodec, StringCodec};
/// let bytes = StringCodec.encode(&"unetlab_session=4f2a".to_string());
/// assert_eq!(StringCodec.decode(&bytes)?, "unetlab_session=4f2a");
/// assert!(StringCodec.decode(&[0xff]).is_err());
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct StringCodec;

impl SessionCodec<String> for StringCodec {
    fn encode(&self, session: &String) -> Vec<u8> {
        session.as_bytes().to_vec()
    }

    fn decode(&self, bytes: &[u8]) -> Result<String, Box<dyn Error + Send + Sync>> {
        Ok(String::from_utf8(bytes.to_vec())?)
    }
}
