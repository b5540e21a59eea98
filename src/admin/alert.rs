//! `tegami alert`: queues an alert for one account, a domain or every
//! account; the server shows it as `* OK [ALERT] text` (see `crate::alerts`).

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::alerts::spool::{self, Alert, Target};
use crate::auth::passwd::{Account, PasswdDb};

/// The usage line.
pub const SYNOPSIS: &str = "alert -u USERS [-m TEMPLATE] [--alerts-dir DIR] (ACCOUNT|@DOMAIN|--all) TEXT";

/// The man page paragraph.
pub const DOC: &str = "Queues an alert, shown once per account as * OK [ALERT] TEXT: right after login, or at once to a session that is open (at its next command, and in IDLE; when the account has several sessions open, the first that looks shows it and the others do not). ACCOUNT is a name of the passwd-file USERS; its alert goes into tegami-alerts/ in the account's maildir, found with TEMPLATE as the server's -m (default %h/Maildir). @DOMAIN names every account of a domain and --all every account; these alerts go into the server's --alerts-dir DIR and reach each account they name that is logged in or logs in while the file is there, accounts added later included; remove the file (the command prints its path) to withdraw the alert. Several words of TEXT are joined with spaces. A text with CR, LF or other control characters, or longer than 1024 octets, is refused and nothing is queued.";

fn options() -> getopts::Options {
    let mut o = getopts::Options::new();
    o.optopt("u", "users", "the passwd-file", "USERS");
    o.optopt("m", "mail", "maildir template, as the server's -m", "TEMPLATE");
    o.optopt("", "alerts-dir", "spool of domain and server alerts, as the server's", "DIR");
    o.optflag("", "all", "every account");
    o.optflag("h", "help", "print this help");
    o
}

/// Runs `tegami alert ARGS`.
pub fn run(args: &[String]) -> Result<String, String> {
    let m = options().parse(args).map_err(|e| format!("{e} (usage: tegami {SYNOPSIS})"))?;
    if m.opt_present("help") {
        return Ok(options().usage(&format!("Usage: tegami {SYNOPSIS}\n\n{DOC}")));
    }
    let users = m.opt_str("users").ok_or_else(|| format!("-u USERS is required (usage: tegami {SYNOPSIS})"))?;
    let users = Path::new(&users);
    let mut words = m.free.iter();
    let target = if m.opt_present("all") {
        Target::All
    } else {
        let who =
            words.next().ok_or_else(|| format!("name an ACCOUNT, @DOMAIN or --all (usage: tegami {SYNOPSIS})"))?;
        match who.strip_prefix('@') {
            Some(d) if spool::valid_domain(d) => Target::Domain(d.to_ascii_lowercase()),
            Some(_) => return Err(format!("{who:?} is not a domain")),
            None => Target::Account(who.clone()),
        }
    };
    let text = words.map(String::as_str).collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Err(format!("no TEXT given (usage: tegami {SYNOPSIS})"));
    }
    spool::check_text(&text).map_err(|e| format!("alert refused, nothing queued: {e}"))?;
    let alert = |target| Alert { id: spool::new_id(), target, text: text.clone() };
    match target {
        Target::Account(name) => {
            let template = m.opt_str("mail").unwrap_or_else(|| "%h/Maildir".into());
            let (account, maildir) = super::account(users, &template, &name)?;
            if !maildir.is_absolute() || maildir.to_string_lossy().contains(['%', '~']) {
                return Err(format!(
                    "the maildir of {} is {}, not an absolute path (give -m as the server has it)",
                    account.user,
                    maildir.display()
                ));
            }
            let dir = maildir.join(spool::ACCOUNT_SPOOL);
            let owner = owner_for(&maildir, &account);
            make_dirs(&dir, owner).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let a = alert(Target::Account(account.user.clone()));
            let path =
                spool::write(&dir, &a, owner).map_err(|e| format!("cannot write into {}: {e}", dir.display()))?;
            Ok(format!("queued alert {} for {}: {}\n", a.id, account.user, path.display()))
        }
        target => {
            let dir = m.opt_str("alerts-dir").map(PathBuf::from).ok_or_else(|| {
                format!("{target} alerts go into the server's --alerts-dir DIR: give the same flag here")
            })?;
            let db = PasswdDb::load(users).map_err(|e| e.to_string())?;
            let reached = db.accounts().iter().filter(|a| target.reaches(a.domain())).count();
            if reached == 0 {
                return Err(format!("no account of {target} in {}", users.display()));
            }
            make_dirs(&dir, None).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let a = alert(target);
            let path = spool::write(&dir, &a, None).map_err(|e| format!("cannot write into {}: {e}", dir.display()))?;
            let what = if a.target == Target::All { "every account".to_string() } else { format!("{}", a.target) };
            Ok(format!("queued alert {} for {what} ({reached} accounts now): {}\n", a.id, path.display()))
        }
    }
}

/// Who should own what the command creates in a maildir: when run as root,
/// the maildir's owner (or, before its first login, the account's uid and
/// gid, else the owner of the nearest existing parent), so that the server
/// running as the mail user can remove the alert once shown.
fn owner_for(maildir: &Path, account: &Account) -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    if let Ok(m) = fs::metadata(maildir) {
        return Some((m.uid(), m.gid()));
    }
    if let (Some(u), Some(g)) = (account.uid, account.gid) {
        return Some((u, g));
    }
    maildir.ancestors().find_map(|p| fs::metadata(p).ok()).map(|m| (m.uid(), m.gid()))
}

/// `create_dir_all`, giving each directory it makes the mode of its parent
/// and `owner`.
fn make_dirs(dir: &Path, owner: Option<(u32, u32)>) -> io::Result<()> {
    let missing: Vec<&Path> = dir.ancestors().take_while(|p| !p.as_os_str().is_empty() && !p.exists()).collect();
    for p in missing.into_iter().rev() {
        match fs::create_dir(p) {
            Ok(()) => {
                if let Some(parent) = p.parent() {
                    crate::store::perms::fix_new_dir(p, parent);
                }
                if let Some((u, g)) = owner {
                    spool::chown(p, u, g)?;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
