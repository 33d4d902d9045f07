//! A database of its own on the test cluster, per test (the server engine's test runs).

use super::*;

/// A database of its own on the test cluster, for one test: made empty with the current
/// schema, dropped (with its connections) when the test ends. The cluster is the one
/// `.ci/postgres.sh` starts (`INNTAK_TEST_PG`: the superuser's URL, `INNTAK_TEST_PG_CA`).
#[doc(hidden)]
pub struct Scratch {
    admin: ServerUrl,
    pub url: ServerUrl,
    name: String,
}

impl Scratch {
    /// The tests' engine: `Some` when `INNTAK_TEST_ENGINE=postgres` (then the cluster must
    /// be there: a missing one fails the test, it is never skipped).
    pub fn for_tests() -> Option<Scratch> {
        if std::env::var("INNTAK_TEST_ENGINE").as_deref() != Ok("postgres") {
            return None;
        }
        let admin = std::env::var("INNTAK_TEST_PG")
            .expect("INNTAK_TEST_ENGINE=postgres needs INNTAK_TEST_PG (see .ci/postgres.sh)");
        Some(Scratch::new(&admin))
    }

    /// A database with nothing in it at all (no schema), on the tests' cluster.
    pub fn empty_for_tests() -> Scratch {
        let admin = std::env::var("INNTAK_TEST_PG")
            .expect("INNTAK_TEST_ENGINE=postgres needs INNTAK_TEST_PG (see .ci/postgres.sh)");
        Scratch::bare(&admin)
    }

    fn bare(admin_url: &str) -> Scratch {
        let admin = ServerUrl::parse(admin_url, None).expect("test cluster URL");
        let name = format!("inntak_t_{}", uuid::Uuid::new_v4().simple());
        admin
            .connect()
            .expect("test cluster")
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("CREATE DATABASE");
        let url = admin.with_database(&name);
        Scratch { admin, url, name }
    }

    /// A new, empty database with the current schema on the server at `admin_url`.
    pub fn new(admin_url: &str) -> Scratch {
        let scratch = Scratch::bare(admin_url);
        let conn = db::Connection::from(Server::new(scratch.url.connect().expect("test database")));
        let tx = conn.transaction(db::Behavior::Immediate).unwrap();
        create_postgres_schema(&tx).expect("schema.postgres.sql");
        tx.commit().unwrap();
        scratch
    }

    pub fn open(&self) -> Store {
        Store::open_server(&self.url).expect("open the test database")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Ok(mut client) = self.admin.connect() {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
