//! Arbitrary bytes through the SOAP response decoder (envelope, faults, `<returnval>`
//! normalisation) and each method's typed `Request::decode`, as `Client::call` does for an
//! HTTP 200 body. Any `Ok` or `Err` is fine; a panic, hang or abort is a bug.
//!
//! The first byte picks the method (its `<XxxResponse>` is what the decoder expects); the rest
//! is the response body.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vim::fuzzing::decode_call;
use vim::methods::{CurrentTime, Login, Logout, RetrieveServiceContent};
use vim::property::{
    CancelRetrievePropertiesEx, ContinueRetrievePropertiesEx, CreateContainerView, DestroyView,
    RetrievePropertiesEx,
};
use vim::{Error, Request};

/// Decodes `body` as the answer to `R` and touches everything the result exposes.
fn run<R: Request>(body: &[u8])
where
    R::Response: std::fmt::Debug,
{
    match decode_call::<R>(body) {
        Ok(response) => {
            let _ = format!("{response:?}");
        }
        Err(error) => inspect(&error),
    }
}

fn inspect(error: &Error) {
    let _ = error.to_string();
    let _ = format!("{error:?}");
    if let Some(fault) = error.fault() {
        let _ = fault.is_auth();
        let _ = fault.to_string();
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    match selector % 9 {
        0 => run::<RetrievePropertiesEx>(body),
        1 => run::<ContinueRetrievePropertiesEx>(body),
        2 => run::<CancelRetrievePropertiesEx>(body),
        3 => run::<RetrieveServiceContent>(body),
        4 => run::<Login>(body),
        5 => run::<Logout>(body),
        6 => run::<CurrentTime>(body),
        7 => run::<CreateContainerView>(body),
        _ => run::<DestroyView>(body),
    }
});
