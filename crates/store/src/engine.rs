//! The two engines behind one value: [`Engine`] holds either a PostgreSQL or a SQLite thing
//! (pool, transaction, connection), and [`dispatch!`] runs one piece of code on whichever it
//! is. The code is written once and compiled for both engines.

use sqlx::{PgConnection, SqliteConnection};
use std::fmt;

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    Postgres,
    Sqlite,
}

impl fmt::Display for EngineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EngineKind::Postgres => "postgres",
            EngineKind::Sqlite => "sqlite",
        })
    }
}

/// One value per engine.
#[derive(Debug, Clone)]
pub(crate) enum Engine<P, S> {
    Postgres(P),
    Sqlite(S),
}

/// A borrowed connection of either engine: what repositories execute on.
pub(crate) type Conn<'a> = Engine<&'a mut PgConnection, &'a mut SqliteConnection>;

/// Runs `$body` with `$conn` bound to the engine-specific value inside `$value`.
macro_rules! dispatch {
    ($value:expr, $conn:ident => $body:expr) => {
        match $value {
            $crate::engine::Engine::Postgres($conn) => $body,
            $crate::engine::Engine::Sqlite($conn) => $body,
        }
    };
}
pub(crate) use dispatch;

/// Quotes a PostgreSQL identifier (schema or database name) for DDL, which cannot take binds.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
