//! The boilerplate every lock guard shares, and nothing else (the model is rayon's
//! `delegate.rs`): `Deref`/`DerefMut`/`Debug`/`Display` to the data, and the mapping trio
//! `map`/`try_map`/`try_map_or_err`. Guards, acquisitions and the lock-order and holder hooks
//! are written by hand in each lock's file.
//!
//! Every guard, borrowed or mapped, has the fields `inner` (lock_api's guard) and `held` (the
//! lock-order entry); a `Mutex` guard also has `owner` (the holder mark). A borrowed guard
//! keeps a reference to its lock besides, which its mapped guard gives up.

/// `Deref` (and with `mut`, `DerefMut`) to `inner`, and `Debug`/`Display` as the data's.
macro_rules! guard_deref {
    ($guard:ident, mut) => {
        $crate::guard_macros::guard_deref!($guard);

        impl<T: ?Sized> std::ops::DerefMut for $guard<'_, T> {
            #[inline]
            fn deref_mut(&mut self) -> &mut T {
                &mut self.inner
            }
        }
    };
    ($guard:ident) => {
        impl<T: ?Sized> std::ops::Deref for $guard<'_, T> {
            type Target = T;

            #[inline]
            fn deref(&self) -> &T {
                &self.inner
            }
        }

        impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for $guard<'_, T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&**self, f)
            }
        }

        impl<T: ?Sized + std::fmt::Display> std::fmt::Display for $guard<'_, T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&**self, f)
            }
        }
    };
}

/// `map`, `try_map` and `try_map_or_err` from `$guard` to `$mapped`, through lock_api's
/// `$api::$api_try` (its `try_map_or_err`). `($($r)*)` is the reference the closure gets: `&`
/// or `&mut`. `[$($keep),*]` are the borrowed guard's fields that a failed map hands back
/// besides `inner` and the hooks. `$setup` is doc-test code that binds `guard` to a guard of
/// `vec![1, 2]` and imports the guard type as `Guard`; `$two` projects that guard's data to
/// its second element (`&v[1]` or `&mut v[1]`).
macro_rules! guard_map {
    (
        $guard:ident => $mapped:ident, $api:ident::$api_try:ident, ($($r:tt)*),
        hooks { $($hook:ident),* }, keep { $($keep:ident),* },
        $setup:literal, $two:literal
    ) => {
        impl<'a, T: ?Sized> $guard<'a, T> {
            /// Narrows the guard to a part of the data; the lock stays held (lock_api's
            /// `map`). An associated function, so it cannot hide a method of the data.
            ///
            /// ```
            #[doc = $setup]
            #[doc = concat!("let two = Guard::map(guard, |v| ", $two, ");")]
            /// assert_eq!(*two, 2);
            /// ```
            pub fn map<U: ?Sized>(
                s: Self,
                f: impl FnOnce($($r)* T) -> $($r)* U,
            ) -> $mapped<'a, U> {
                match Self::try_map_or_err(s, |data| Ok::<_, std::convert::Infallible>(f(data))) {
                    Ok(mapped) => mapped,
                    Err((_, never)) => match never {},
                }
            }

            /// Narrows the guard if `f` returns `Some`; otherwise gives the guard back, still
            /// holding the lock (lock_api's `try_map`).
            ///
            /// # Errors
            ///
            /// The original guard, when `f` returns `None`.
            ///
            /// ```
            #[doc = $setup]
            #[doc = concat!("let guard = Guard::try_map(guard, |_| None::<", stringify!($($r)*), " u8>)")]
            ///     .map(drop)
            ///     .unwrap_err();
            #[doc = concat!("let two = Guard::try_map(guard, |v| Some(", $two, ")).ok().unwrap();")]
            /// assert_eq!(*two, 2);
            /// ```
            pub fn try_map<U: ?Sized>(
                s: Self,
                f: impl FnOnce($($r)* T) -> Option<$($r)* U>,
            ) -> Result<$mapped<'a, U>, Self> {
                Self::try_map_or_err(s, |data| f(data).ok_or(())).map_err(|(guard, ())| guard)
            }

            /// Narrows the guard if `f` returns `Ok`; otherwise gives the guard back with
            /// `f`'s error (lock_api's `try_map_or_err`).
            ///
            /// # Errors
            ///
            /// The original guard and `f`'s error, when `f` returns `Err`.
            ///
            /// ```
            #[doc = $setup]
            #[doc = concat!("let (guard, why) = Guard::try_map_or_err(guard, |v| Err::<", stringify!($($r)*), " u8, _>(v.len()))")]
            ///     .map(drop)
            ///     .unwrap_err();
            /// assert_eq!(why, 2);
            #[doc = concat!("let two = Guard::try_map_or_err(guard, |v| Ok::<_, ()>(", $two, ")).ok().unwrap();")]
            /// assert_eq!(*two, 2);
            /// ```
            pub fn try_map_or_err<U: ?Sized, E>(
                s: Self,
                f: impl FnOnce($($r)* T) -> Result<$($r)* U, E>,
            ) -> Result<$mapped<'a, U>, (Self, E)> {
                let Self { inner, $($hook,)* $($keep,)* } = s;
                match lock_api::$api::$api_try(inner, f) {
                    Ok(inner) => Ok($mapped { inner, $($hook,)* }),
                    Err((inner, error)) => Err((Self { inner, $($hook,)* $($keep,)* }, error)),
                }
            }
        }
    };
}

pub(crate) use {guard_deref, guard_map};
