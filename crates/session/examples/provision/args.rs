//! The command line: a handful of flags, parsed by hand (no parser dependency for ten flags),
//! each bad value a typed [`ArgsError`].

use std::fmt;
use std::time::Duration;

/// What `--help` prints.
pub(crate) const USAGE: &str = "\
Provision users on a PNet-like platform through one shared admin session, then the seed's way
(a login per user), and compare.

usage: provision [--users N] [--workers N] [--token-ttl DURATION] [--login-latency DURATION]
                 [--api-latency DURATION] [--server URL] [--check]
                 [--processes N --redis URL]

  --users N                 users to create (default 200)
  --workers N               pool workers (default 8)
  --token-ttl DURATION      how long a platform session lives, e.g. 1s, 500ms (default: until logout)
  --login-latency DURATION  how long the built-in platform takes to log in (default 50ms)
  --api-latency DURATION    how long the built-in platform takes to create a user or lab (default 0ms)
  --server URL              provision on this PNet-compatible server instead of the built-in one
                            (credentials from PNET_USERNAME / PNET_PASSWORD, default admin / pnet)
  --check                   exit non-zero unless every user exists exactly once and the shared
                            session logged in exactly once per token lifetime
  --processes N             run N processes of --workers workers, each creating --users users,
                            all sharing one admin session through Redis (needs --redis and the
                            `redis` feature); shows the logins made per process and in total
  --redis URL               the Redis server the processes share the session through
                            (redis://host:port/)
";

/// The run's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Options {
    /// Users to create each way.
    pub(crate) users: usize,
    /// Pool workers.
    pub(crate) workers: usize,
    /// Session lifetime on the platform (`None`: until logout).
    pub(crate) token_ttl: Option<Duration>,
    /// The built-in platform's login latency.
    pub(crate) login_latency: Duration,
    /// The built-in platform's latency to create a user or a lab.
    pub(crate) api_latency: Duration,
    /// An external platform to use instead of the built-in one.
    pub(crate) server: Option<String>,
    /// Verify the outcome and say so in the exit code.
    pub(crate) check: bool,
    /// `--help` was given.
    pub(crate) help: bool,
    /// Processes sharing one session through Redis (1: this process alone).
    pub(crate) processes: usize,
    /// The Redis server they share it through.
    pub(crate) redis: Option<String>,
    /// Set in the processes a `--processes` run starts: this one's number, from 1.
    pub(crate) fleet_member: Option<usize>,
    /// Set in the processes a `--processes` run starts: the run's tag (unique usernames and
    /// Redis key).
    pub(crate) fleet_tag: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            users: 200,
            workers: 8,
            token_ttl: None,
            login_latency: Duration::from_millis(50),
            api_latency: Duration::ZERO,
            server: None,
            check: false,
            help: false,
            processes: 1,
            redis: None,
            fleet_member: None,
            fleet_tag: None,
        }
    }
}

/// A command line that does not make sense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArgsError {
    /// A flag this program does not know.
    Unknown(String),
    /// A flag given without its value.
    MissingValue(&'static str),
    /// A count that is not a positive whole number.
    BadCount {
        /// The flag.
        flag: &'static str,
        /// What was given.
        value: String,
    },
    /// A duration that is not a number followed by `ms`, `s` or `m`.
    BadDuration {
        /// The flag.
        flag: &'static str,
        /// What was given.
        value: String,
    },
    /// A zero token lifetime: every session would be dead on arrival.
    ZeroTokenTtl,
    /// A server URL that is not `http://...`.
    BadServer(String),
    /// A Redis URL that is not `redis://...`.
    BadRedis(String),
    /// `--processes` above 1 without `--redis` to share the session through.
    ProcessesWithoutRedis,
}

impl fmt::Display for ArgsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown(flag) => write!(f, "unknown argument `{flag}`"),
            Self::MissingValue(flag) => write!(f, "`{flag}` needs a value"),
            Self::BadCount { flag, value } => {
                write!(f, "`{flag} {value}`: expected a whole number of at least 1")
            }
            Self::BadDuration { flag, value } => {
                write!(
                    f,
                    "`{flag} {value}`: expected a duration such as 250ms, 1s, 1.5s or 2m"
                )
            }
            Self::ZeroTokenTtl => f.write_str("`--token-ttl` must be longer than zero"),
            Self::BadServer(url) => {
                write!(
                    f,
                    "`--server {url}`: expected an http:// URL (this client speaks no TLS)"
                )
            }
            Self::BadRedis(url) => write!(f, "`--redis {url}`: expected a redis:// URL"),
            Self::ProcessesWithoutRedis => {
                f.write_str("`--processes` needs `--redis URL` to share the session through")
            }
        }
    }
}

impl std::error::Error for ArgsError {}

/// Parses the arguments after the program name.
pub(crate) fn parse<I, S>(args: I) -> Result<Options, ArgsError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut options = Options::default();
    let mut args = args.into_iter().map(Into::into);
    while let Some(arg) = args.next() {
        // Both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        let mut value = |name: &'static str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(ArgsError::MissingValue(name))
        };
        match flag.as_str() {
            "--users" => options.users = count("--users", value("--users")?)?,
            "--workers" => options.workers = count("--workers", value("--workers")?)?,
            "--token-ttl" => {
                let ttl = duration("--token-ttl", value("--token-ttl")?)?;
                if ttl.is_zero() {
                    return Err(ArgsError::ZeroTokenTtl);
                }
                options.token_ttl = Some(ttl);
            }
            "--login-latency" => {
                options.login_latency = duration("--login-latency", value("--login-latency")?)?;
            }
            "--api-latency" => {
                options.api_latency = duration("--api-latency", value("--api-latency")?)?;
            }
            "--server" => {
                let url = value("--server")?;
                if !url.starts_with("http://") || url.len() == "http://".len() {
                    return Err(ArgsError::BadServer(url));
                }
                options.server = Some(url);
            }
            "--processes" => options.processes = count("--processes", value("--processes")?)?,
            "--redis" => {
                let url = value("--redis")?;
                if !url.starts_with("redis://") || url.len() == "redis://".len() {
                    return Err(ArgsError::BadRedis(url));
                }
                options.redis = Some(url);
            }
            "--fleet-member" => {
                options.fleet_member = Some(count("--fleet-member", value("--fleet-member")?)?);
            }
            "--fleet-tag" => options.fleet_tag = Some(value("--fleet-tag")?),
            "--check" if inline.is_none() => options.check = true,
            "--help" | "-h" if inline.is_none() => options.help = true,
            _ => return Err(ArgsError::Unknown(flag)),
        }
    }
    if options.processes > 1 && options.redis.is_none() {
        return Err(ArgsError::ProcessesWithoutRedis);
    }
    Ok(options)
}

fn count(flag: &'static str, value: String) -> Result<usize, ArgsError> {
    match value.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(ArgsError::BadCount { flag, value }),
    }
}

/// `250ms`, `1s`, `1.5s`, `2m`.
fn duration(flag: &'static str, value: String) -> Result<Duration, ArgsError> {
    let split = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let bad = || ArgsError::BadDuration {
        flag,
        value: value.clone(),
    };
    let n = match number.parse::<f64>() {
        Ok(n) if !number.is_empty() => n,
        _ => return Err(bad()),
    };
    let seconds = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| bad())
}
