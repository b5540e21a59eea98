//! Administration subcommands (`tegami alert ...`, `tegami smime ...`,
//! `tegami service ...`): run instead of the server when the first argument
//! names one. Each subcommand
//! is one file with a `run(args) -> Result<String, String>`; the table below
//! lists them for dispatch, `--help` and the man page.

pub mod acl;
pub mod alert;
pub mod alias;
pub mod index;
pub mod kick;
pub mod service;
pub mod smime;
pub mod stats;
pub mod who;

use std::path::{Path, PathBuf};

use crate::auth::passwd::{Account, PasswdDb};

/// One subcommand: its name, a synopsis line, a paragraph for the man page,
/// and the function that runs it on the arguments after its name.
pub struct Subcommand {
    /// The first argument that selects it (`alert`).
    pub name: &'static str,
    /// Its usage, as `--help` and the man page show it.
    pub synopsis: &'static str,
    /// What it does, for the man page.
    pub doc: &'static str,
    /// Runs it; `Ok` text goes to stdout, `Err` text to stderr with exit status 1.
    pub run: fn(&[String]) -> Result<String, String>,
}

/// Every subcommand, in the order the help lists them.
pub static SUBCOMMANDS: &[Subcommand] = &[
    Subcommand { name: "alert", synopsis: alert::SYNOPSIS, doc: alert::DOC, run: alert::run },
    Subcommand { name: "smime", synopsis: smime::SYNOPSIS, doc: smime::DOC, run: smime::run },
    Subcommand { name: "service", synopsis: service::SYNOPSIS, doc: service::DOC, run: service::run },
    Subcommand { name: "who", synopsis: who::SYNOPSIS, doc: who::DOC, run: who::run },
    Subcommand { name: "kick", synopsis: kick::SYNOPSIS, doc: kick::DOC, run: kick::run },
    Subcommand { name: "stats", synopsis: stats::SYNOPSIS, doc: stats::DOC, run: stats::run },
    Subcommand { name: "acl", synopsis: acl::SYNOPSIS, doc: acl::DOC, run: acl::run },
    Subcommand { name: "alias", synopsis: alias::SYNOPSIS, doc: alias::DOC, run: alias::run },
    Subcommand { name: "index", synopsis: index::SYNOPSIS, doc: index::DOC, run: index::run },
];

/// The subcommands as `--help` and the man page show them, in order.
pub fn usages() -> Vec<crate::config::flags::Usage> {
    SUBCOMMANDS.iter().map(|s| crate::config::flags::Usage { synopsis: s.synopsis, doc: s.doc }).collect()
}

/// The subcommand named `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Subcommand> {
    SUBCOMMANDS.iter().find(|s| s.name == name)
}

/// An account of the passwd-file `users`, found by name, with its maildir
/// from `template` (the server's `-m`): what most subcommands start from.
pub fn account(users: &Path, template: &str, name: &str) -> Result<(Account, PathBuf), String> {
    let db = PasswdDb::load(users).map_err(|e| e.to_string())?;
    // As the server finds it with its default --username-format (%Lu).
    let account = db
        .lookup(name)
        .or_else(|| db.lookup(&name.to_lowercase()))
        .cloned()
        .ok_or_else(|| format!("no account {name:?} in {}", users.display()))?;
    let maildir = account.checked_maildir(template)?;
    Ok((account, maildir))
}

/// Run as root, gives a file an administrator's command wrote to the owner
/// of the directory it is in (the maildir's owner), so the server, running
/// as that user, can still rewrite it.
pub fn give_to_dir_owner(file: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(());
    }
    let dir = file.parent().ok_or("no directory")?;
    let m = std::fs::metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::os::unix::fs::chown(file, Some(m.uid()), Some(m.gid())).map_err(|e| format!("{}: {e}", file.display()))
}

/// What `tegami NAME -u USERS [-m TEMPLATE] ACCOUNT ARGS...` asks for.
pub enum AccountCommand {
    /// `-h`: the help text to print.
    Help(String),
    /// The account, its maildir, and the arguments after ACCOUNT.
    Run {
        /// The passwd-file entry.
        account: Box<Account>,
        /// Its maildir (absolute).
        maildir: PathBuf,
        /// The arguments after ACCOUNT.
        rest: Vec<String>,
    },
}

/// Parses the arguments of a subcommand of the form `-u USERS [-m TEMPLATE]
/// ACCOUNT ARGS...` (options before ACCOUNT) and finds the account.
pub fn account_command(args: &[String], synopsis: &str, doc: &str) -> Result<AccountCommand, String> {
    let mut o = getopts::Options::new();
    o.parsing_style(getopts::ParsingStyle::StopAtFirstFree);
    o.optopt("u", "users", "the passwd-file", "USERS");
    o.optopt("m", "mail", "maildir template, as the server's -m", "TEMPLATE");
    o.optflag("h", "help", "print this help");
    let m = o.parse(args).map_err(|e| format!("{e} (usage: tegami {synopsis})"))?;
    if m.opt_present("help") {
        return Ok(AccountCommand::Help(o.usage(&format!("Usage: tegami {synopsis}\n\n{doc}"))));
    }
    let users = m.opt_str("users").ok_or_else(|| format!("-u USERS is required (usage: tegami {synopsis})"))?;
    let template = m.opt_str("mail").unwrap_or_else(|| "%h/Maildir".into());
    let (name, rest) = m.free.split_first().ok_or_else(|| format!("usage: tegami {synopsis}"))?;
    let (account, maildir) = self::account(Path::new(&users), &template, name)?;
    Ok(AccountCommand::Run { account: Box::new(account), maildir, rest: rest.to_vec() })
}
