//! Entry points for fuzz targets only (`crates/vim/fuzz`); not part of the supported API.
//!
//! The response decoders are crate-private; these thin wrappers feed them raw bytes the way the
//! transport does after reading an HTTP 200 body, without changing what they do.

use crate::envelope::{self, DecodeError, Decoded, Request};
use crate::error::Error;

/// For fuzz targets only: decodes `body` as an HTTP 200 answer to `R`, exactly as
/// [`Client::call`](crate::Client::call) would after reading it (the body is read as UTF-8 with
/// invalid sequences replaced, like `reqwest::Response::text`): the `<returnval>`s go through
/// [`Request::decode`], a SOAP fault becomes [`Error::Fault`], an empty or malformed body its
/// own [`Error`] variant.
#[doc(hidden)]
pub fn decode_call<R: Request>(body: &[u8]) -> Result<R::Response, Error> {
    let method = R::METHOD;
    let text = String::from_utf8_lossy(body);
    match envelope::decode(method, &text) {
        Ok(Decoded::Fault(fault)) => Err(fault.into()),
        Ok(Decoded::Response(returnvals)) => {
            R::decode(returnvals).map_err(|reason| Error::Decode { method, reason })
        }
        Err(DecodeError::Empty) => Err(Error::EmptyBody {
            method,
            status: 200,
        }),
        Err(DecodeError::Malformed(reason)) => Err(Error::MalformedXml { method, reason }),
        Err(DecodeError::Unexpected(reason)) => Err(Error::Decode { method, reason }),
    }
}
