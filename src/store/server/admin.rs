//! What the clinic's IT runs on the server: the schema and the roles (`inntak server init`),
//! the clinicians' logins (`add-user`) and who has which role (`users`).

use super::*;

/// What a login may do on the server: the three roles `inntak server init` makes. Every
/// clinician's own login is a member of exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Runs the meeting: every write (decisions, meetings, letters, imports, settings).
    Leder,
    /// A team member: reads everything of the team, writes preparations and provisional
    /// views (and the access log of what they print or export).
    Medlem,
    /// Reads only (statistics, a controller): every read is still logged.
    Lesing,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Leder, Role::Medlem, Role::Lesing];

    pub fn name(self) -> &'static str {
        match self {
            Role::Leder => "inntak_leder",
            Role::Medlem => "inntak_medlem",
            Role::Lesing => "inntak_lesing",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_lowercase().as_str() {
            "leder" | "inntak_leder" => Some(Role::Leder),
            "medlem" | "inntak_medlem" => Some(Role::Medlem),
            "lesing" | "inntak_lesing" => Some(Role::Lesing),
            _ => None,
        }
    }
}

/// The tables only the database's owner writes: the log (appended to by every role, changed by
/// none), the schema's version, the teams and their logins, the service-need grants.
const OWNER_ONLY: &[&str] = &[
    "audit_log",
    "inntak_schema",
    "teams",
    "team_logins",
    "access_grants",
];

/// The tables a member may write besides the access log: their preparation of a referral.
const MEMBER_WRITES: &[&str] = &["preparations", "provisional_views"];

/// The SQL that makes the roles (once per cluster) and grants them on this database's tables.
/// No role gets UPDATE, DELETE or TRUNCATE on the audit log: it is append-only by privilege
/// as well as by its trigger and its hash chain.
fn roles_sql(tables: &[String]) -> String {
    let mut sql = String::new();
    for role in Role::ALL {
        // CREATE ROLE has no IF NOT EXISTS; two inits at once on one cluster meet here.
        sql.push_str(&format!(
            "DO $$ BEGIN CREATE ROLE {r} NOLOGIN; \
             EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n",
            r = role.name()
        ));
    }
    sql.push_str("REVOKE ALL ON SCHEMA public FROM PUBLIC;\n");
    for role in Role::ALL {
        sql.push_str(&format!(
            "GRANT USAGE ON SCHEMA public TO {};\n",
            role.name()
        ));
        sql.push_str(&format!(
            "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {};\n",
            role.name()
        ));
        // Every role logs what it reads, prints and exports.
        sql.push_str(&format!("GRANT INSERT ON audit_log TO {};\n", role.name()));
        sql.push_str(&format!(
            "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {};\n",
            role.name()
        ));
    }
    // Who is in which team, and the service-need grants, are IT's and the server's own: no
    // role writes them (inntak_open_other_team writes a grant for its caller only), and the
    // grants' reasons are read through `inntak audit`, not by every login.
    for table in tables.iter().filter(|t| !OWNER_ONLY.contains(&t.as_str())) {
        sql.push_str(&format!(
            "GRANT INSERT, UPDATE, DELETE ON {table} TO inntak_leder;\n"
        ));
    }
    for table in MEMBER_WRITES {
        sql.push_str(&format!(
            "GRANT INSERT, UPDATE, DELETE ON {table} TO inntak_medlem;\n"
        ));
    }
    sql.push_str("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;\n");
    if tables.iter().any(|t| t == "access_grants") {
        for role in Role::ALL {
            sql.push_str(&format!(
                "REVOKE SELECT ON access_grants FROM {};\n",
                role.name()
            ));
        }
    }
    sql
}

/// What `inntak server init` did.
#[derive(Debug)]
pub struct Initialised {
    pub created_schema: bool,
    pub version: i32,
}

/// Sets up the clinic's database at `url` (an empty database the login owns): the schema at
/// the current version, the three roles and their grants. Run again, it makes what is
/// missing and grants again (an upgrade of Inntak may add tables).
pub fn init(url: &ServerUrl, first_team: Option<&str>) -> Result<Initialised, ServerOpenError> {
    let client = url.connect()?;
    let conn = db::Connection::from(Server::new(client));
    let shown = url.shown.clone();
    let err = |e: rusqlite::Error| ServerOpenError::Server {
        shown: shown.clone(),
        detail: error_text(&e),
    };
    let tx = conn.transaction(db::Behavior::Immediate).map_err(err)?;
    let (id, version) = schema_ids(&tx).map_err(err)?;
    if id == 0 {
        let tables: i64 = tx
            .query_row(
                "SELECT count(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema()",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        if tables > 0 {
            return Err(ServerOpenError::Server {
                shown,
                detail: "databasen har tabeller fra et annet program; bruk en tom database".into(),
            });
        }
    }
    if version > SCHEMA_VERSION {
        return Err(ServerOpenError::Newer {
            shown,
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    create_postgres_schema(&tx).map_err(err)?;
    let tables: Vec<String> = tx
        .prepare(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        )
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(err)?;
    tx.execute_batch(&roles_sql(&tables)).map_err(err)?;
    if id == 0
        && let Some(team) = first_team.map(str::trim).filter(|t| !t.is_empty())
    {
        tx.execute("UPDATE teams SET name = ?1 WHERE id = 1", [team])
            .map_err(err)?;
    }
    tx.commit().map_err(err)?;
    drop(conn);
    // An older schema is brought up to date by opening it as its owner.
    if id == APPLICATION_ID && version < SCHEMA_VERSION {
        Store::open_server(url)?;
    }
    Ok(Initialised {
        created_schema: id == 0,
        version: SCHEMA_VERSION,
    })
}

/// A clinician's own login: a member of `role`, with a SCRAM password (the server hashes it;
/// the password never reaches a log). An existing login gets the new password and role.
pub fn add_user(
    url: &ServerUrl,
    name: &str,
    team: &str,
    role: Role,
    password: &str,
) -> Result<(), ServerOpenError> {
    let shown = url.shown.clone();
    let valid = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
        && !name.starts_with("inntak_")
        && !name.starts_with("pg_");
    if !valid {
        return Err(ServerOpenError::Server {
            shown,
            detail: format!(
                "«{name}» kan ikke være et brukernavn: bruk små bokstaver a–z, tall, _ og . \
                 (høyst 63 tegn, ikke inntak_ eller pg_ først)"
            ),
        });
    }
    let mut client = url.connect()?;
    let err = |e: postgres::Error| ServerOpenError::Server {
        shown: shown.clone(),
        detail: server_text(&e),
    };
    let mut tx = client.transaction().map_err(err)?;
    let exists: bool = tx
        .query_one(
            "SELECT count(*) > 0 FROM pg_roles WHERE rolname = $1",
            &[&name],
        )
        .map_err(err)?
        .get(0);
    // The name is checked above (a-z, 0-9, _ and .), quoted as an identifier here; the
    // password goes as a literal the server hashes with SCRAM.
    let quoted = format!("\"{name}\"");
    let literal = format!("'{}'", password.replace('\'', "''"));
    tx.batch_execute("SET LOCAL password_encryption = 'scram-sha-256'")
        .map_err(err)?;
    if exists {
        tx.batch_execute(&format!("ALTER ROLE {quoted} LOGIN PASSWORD {literal}"))
            .map_err(err)?;
    } else {
        tx.batch_execute(&format!("CREATE ROLE {quoted} LOGIN PASSWORD {literal}"))
            .map_err(err)?;
    }
    for other in Role::ALL {
        tx.batch_execute(&format!("REVOKE {} FROM {quoted}", other.name()))
            .map_err(err)?;
    }
    tx.batch_execute(&format!("GRANT {} TO {quoted}", role.name()))
        .map_err(err)?;
    // The team (made when it is new) and the login's place in it.
    let team = team.trim();
    if team.is_empty() || team.chars().count() > 100 {
        return Err(ServerOpenError::Server {
            shown,
            detail: "teamet må ha et navn (høyst 100 tegn)".into(),
        });
    }
    tx.execute(
        "INSERT INTO teams (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
        &[&team],
    )
    .map_err(err)?;
    tx.execute(
        "INSERT INTO team_logins (login, team_id) SELECT $1, id FROM teams WHERE name = $2 \
         ON CONFLICT DO NOTHING",
        &[&name, &team],
    )
    .map_err(err)?;
    let database: String = tx
        .query_one("SELECT current_database()::text", &[])
        .map_err(err)?
        .get(0);
    tx.batch_execute(&format!(
        "GRANT CONNECT ON DATABASE \"{database}\" TO {quoted}"
    ))
    .map_err(err)?;
    tx.commit().map_err(err)
}

/// A team on the server: its name, its logins with their roles, and how many referrals it has.
#[derive(Debug)]
pub struct Team {
    pub name: String,
    pub logins: Vec<(String, Option<Role>)>,
    pub referrals: i64,
}

/// Every team with its logins (`inntak server teams`), as the database's owner sees them.
pub fn teams(url: &ServerUrl) -> Result<Vec<Team>, ServerOpenError> {
    let shown = url.shown.clone();
    let err = |e: postgres::Error| ServerOpenError::Server {
        shown: shown.clone(),
        detail: server_text(&e),
    };
    let mut client = url.connect()?;
    let roles: std::collections::HashMap<String, Role> = users(url)?.into_iter().collect();
    let rows = client
        .query(
            "SELECT t.name, (SELECT count(*) FROM referrals r WHERE r.team_id = t.id), \
             coalesce(array_agg(l.login ORDER BY l.login) FILTER (WHERE l.login IS NOT NULL), '{}') \
             FROM teams t LEFT JOIN team_logins l ON l.team_id = t.id GROUP BY t.id, t.name \
             ORDER BY t.name",
            &[],
        )
        .map_err(err)?;
    Ok(rows
        .iter()
        .map(|r| {
            let logins: Vec<String> = r.get(2);
            Team {
                name: r.get(0),
                referrals: r.get(1),
                logins: logins
                    .into_iter()
                    .map(|l| {
                        let role = roles.get(&l).copied();
                        (l, role)
                    })
                    .collect(),
            }
        })
        .collect())
}

/// Every login with an Inntak role, and which.
pub fn users(url: &ServerUrl) -> Result<Vec<(String, Role)>, ServerOpenError> {
    let shown = url.shown.clone();
    let mut client = url.connect()?;
    let rows = client
        .query(
            "SELECT m.rolname::text, r.rolname::text FROM pg_auth_members a \
             JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member \
             WHERE r.rolname IN ('inntak_leder', 'inntak_medlem', 'inntak_lesing') \
             ORDER BY 1",
            &[],
        )
        .map_err(|e| ServerOpenError::Server {
            shown,
            detail: server_text(&e),
        })?;
    Ok(rows
        .iter()
        .filter_map(|r| Role::parse(r.get::<_, &str>(1)).map(|role| (r.get(0), role)))
        .collect())
}

fn server_text(e: &postgres::Error) -> String {
    db::ServerError::from_postgres(e).to_string()
}
