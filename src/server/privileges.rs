//! `--user USER[:GROUP]`: switching the whole process to an unprivileged
//! user once the listeners are bound.

use std::ffi::CString;

/// True when the process runs as root.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Looks up a user by name or number: (uid, primary gid).
fn user(name: &str) -> Result<(libc::uid_t, libc::gid_t), String> {
    let c = CString::new(name).map_err(|_| format!("--user {name}: bad user name"))?;
    // SAFETY: getpwnam returns NULL or a pointer to static storage that stays
    // valid until the next call; we copy the fields out at once, before any
    // other thread exists (this runs during start-up).
    let pw = unsafe { libc::getpwnam(c.as_ptr()) };
    if pw.is_null() {
        return match name.parse::<u32>() {
            Ok(uid) => Ok((uid, uid)),
            Err(_) => Err(format!("--user {name}: no such user")),
        };
    }
    // SAFETY: pw is non-null and points to a valid passwd entry.
    unsafe { Ok(((*pw).pw_uid, (*pw).pw_gid)) }
}

fn group(name: &str) -> Result<libc::gid_t, String> {
    let c = CString::new(name).map_err(|_| format!("--user: bad group name {name}"))?;
    // SAFETY: as for getpwnam above.
    let gr = unsafe { libc::getgrnam(c.as_ptr()) };
    if gr.is_null() {
        return name.parse().map_err(|_| format!("--user: no such group {name}"));
    }
    // SAFETY: gr is non-null and points to a valid group entry.
    unsafe { Ok((*gr).gr_gid) }
}

/// Switches to `spec` (`USER` or `USER:GROUP`): supplementary groups are
/// dropped, then the group, then the user, in that order (the other order
/// would leave no right to change the group).
pub fn switch_to(spec: &str) -> Result<(), String> {
    let (uname, gname) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let (uid, primary_gid) = user(uname)?;
    let gid = match gname {
        Some(g) => group(g)?,
        None => primary_gid,
    };
    // SAFETY: plain system calls with valid arguments.
    unsafe {
        if libc::setgroups(1, &gid) != 0 && is_root() {
            return Err(format!("--user {spec}: setgroups: {}", std::io::Error::last_os_error()));
        }
        if libc::setgid(gid) != 0 {
            return Err(format!("--user {spec}: setgid({gid}): {}", std::io::Error::last_os_error()));
        }
        if libc::setuid(uid) != 0 {
            return Err(format!("--user {spec}: setuid({uid}): {}", std::io::Error::last_os_error()));
        }
        if uid != 0 && libc::setuid(0) == 0 {
            return Err(format!("--user {spec}: could regain root after switching; refusing to run"));
        }
    }
    log::error!("running as user {uname} (uid {uid}, gid {gid})");
    Ok(())
}
