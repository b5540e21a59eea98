//! The flag table: each command-line flag defined once, with its names and
//! documentation. It drives the getopts parser, `--help` and `man/tegami.8`.

/// Whether a flag takes a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A switch without a value.
    None,
    /// A value is required; the string names it in the help (`FILE`).
    Required(&'static str),
    /// A value may follow (`--demo [DIR]`).
    Optional(&'static str),
}

/// One command-line flag.
#[derive(Debug)]
pub struct Flag {
    /// Short name without the dash, or "" when there is none.
    pub short: &'static str,
    /// Long name without the dashes.
    pub long: &'static str,
    /// Whether and what value it takes.
    pub arg: Arg,
    /// May be given several times.
    pub multi: bool,
    /// One line for `--help`.
    pub summary: &'static str,
    /// The default, shown in the help and the man page.
    pub default: Option<&'static str>,
    /// A paragraph for the man page (may be empty: the summary is used).
    pub doc: &'static str,
}

/// Every flag tegami takes, in the order the help lists them.
pub const FLAGS: &[Flag] = &[
    Flag {
        short: "l",
        long: "listen",
        arg: Arg::Required("ADDR:PORT"),
        multi: true,
        summary: "Clear-text IMAP listener (STARTTLS offered when a certificate is given); repeatable.",
        default: Some("0.0.0.0:143"),
        doc: "Listen for clear-text IMAP connections on this address. Give the flag several times for several listeners. When --cert is given, these connections may upgrade with STARTTLS.",
    },
    Flag {
        short: "L",
        long: "listen-tls",
        arg: Arg::Required("ADDR:PORT"),
        multi: true,
        summary: "Implicit-TLS IMAP listener; repeatable.",
        default: Some("0.0.0.0:993 when --cert is given"),
        doc: "Listen for IMAP connections that start with a TLS handshake (IMAPS). Needs --cert and --key.",
    },
    Flag {
        short: "",
        long: "cert",
        arg: Arg::Required("FILE"),
        multi: false,
        summary: "PEM certificate chain for TLS (enables STARTTLS and the TLS listeners).",
        default: None,
        doc: "",
    },
    Flag {
        short: "",
        long: "key",
        arg: Arg::Required("FILE"),
        multi: false,
        summary: "PEM private key matching --cert.",
        default: None,
        doc: "",
    },
    Flag {
        short: "u",
        long: "users",
        arg: Arg::Required("FILE"),
        multi: false,
        summary: "Accounts in Dovecot's passwd-file format.",
        default: None,
        doc: "Accounts, one a line: user[@domain]:{SCHEME}hash:uid:gid:gecos:home:shell:extra_fields. Schemes: PLAIN, CLEAR, SHA256-CRYPT, SHA512-CRYPT, BLF-CRYPT, ARGON2I, ARGON2ID, SHA256, SHA512, SSHA256, SSHA512, SCRAM-SHA-256. Extra fields honoured as Dovecot does: nologin (with reason=TEXT), fail, allow_nets=NET,..., host= with nologin or proxy (a login referral), user=, port=, nopassword, userdb_mail=maildir:PATH (or mail=), userdb_home; other fields are logged once and ignored. A line that does not parse is skipped and logged, the rest stays in force. The file is read again when it changes; an account removed from it stops working at once.",
    },
    Flag {
        short: "m",
        long: "mail",
        arg: Arg::Required("TEMPLATE"),
        multi: false,
        summary: "Where an account's maildir is: %u user, %n local part, %d domain, %h home.",
        default: Some("%h/Maildir"),
        doc: "An account's userdb_mail=maildir:PATH field overrides it. The result must be an absolute path: an account whose maildir expands to a relative path, or still holds % or ~ (an account without a home and the default %h/Maildir), is refused at login with a log line, and nothing is created.",
    },
    Flag {
        short: "",
        long: "username-format",
        arg: Arg::Required("FORMAT"),
        multi: false,
        summary: "How login names are normalized before lookup, like Dovecot's auth_username_format.",
        default: Some("%Lu"),
        doc: "%u is the whole name, %n the local part, %d the domain; an L or U after the % lower- or upper-cases it. The default %Lu lower-cases the whole name, so Alice and alice are one account (write the passwd-file's names in lower case). %u keeps names exact.",
    },
    Flag {
        short: "",
        long: "auth-mechanisms",
        arg: Arg::Required("LIST"),
        multi: false,
        summary: "SASL mechanisms offered: plain, login, cram-md5, scram-sha-256 (like Dovecot's auth_mechanisms).",
        default: Some("plain login"),
        doc: "Names separated by blanks or commas. CRAM-MD5 works only for accounts whose password is stored as {PLAIN}; SCRAM-SHA-256 for {PLAIN} and {SCRAM-SHA-256} entries. Other accounts fail them, with a log line saying why; clients that pick such a mechanism (curl, Thunderbird's encrypted password) then cannot log in, which is why only plain and login are offered unless asked for. PLAIN and LOGIN are not offered on unencrypted connections with --no-cleartext-login.",
    },
    Flag {
        short: "",
        long: "auth-penalty",
        arg: Arg::Required("MS"),
        multi: false,
        summary: "Delay after a failed login, doubled with each further failure up to 15 s; 0 turns it off.",
        default: Some("250"),
        doc: "Like Dovecot's auth penalty. Counted per client address (an attempt from an address with recent failures waits before it is checked; other addresses are not slowed) and per login name (a failed attempt for a name waits the name's delay, from any address). A successful login clears the name's delay and, of the address's, only the failures that address made for that name (a guesser logging in to an account of its own keeps the delay its guesses earned); 15 minutes without failures forget them. A cancelled AUTHENTICATE tests no password and adds no delay (it is logged, and counts toward the connection's limit of failures). Each failure is logged at Problems level as \"login failed: rip=ADDRESS [user=<ACCOUNT>] method=... reason=... delay=...ms\" (the account only when it exists, never the password), the line contrib/fail2ban/filter.d/tegami.conf matches.",
    },
    Flag {
        short: "",
        long: "auth-penalty-table",
        arg: Arg::Required("N"),
        multi: false,
        summary: "Failed-login records (addresses, names) remembered at most for --auth-penalty.",
        default: Some("50000"),
        doc: "When the table is full the records that cost least (fewest failures, then oldest) are dropped to make room; it is never emptied whole, so a flood of failures from many addresses cannot wipe the delays of an account that is being guessed. Each failure adds up to three records (address, name, address and name); at least 16 are kept.",
    },
    Flag {
        short: "",
        long: "router",
        arg: Arg::Required("FILE"),
        multi: false,
        summary: "CommuniGate router records <name> = address: login referrals and aliases.",
        default: None,
        doc: "One record a line, e.g. <j.smith> = John@othercompany.com; ; starts a comment. When the address is not a local account, a login of name whose password checks out against its passwd-file entry is answered NO [REFERRAL IMAP://John;AUTH=*@othercompany.com/] account has been moved to a remote system (RFC 2221). When the address names a local account, name is an alias: the client logs in to that account with its password. The file is read again when it changes.",
    },
    Flag {
        short: "c",
        long: "max-channels",
        arg: Arg::Required("N"),
        multi: false,
        summary: "Maximum Number of Channels: concurrent IMAP connections; more are refused with BYE.",
        default: Some("1000"),
        doc: "At start tegami raises its open-file limit (RLIMIT_NOFILE) to the hard limit; each channel needs up to 6 descriptors. A --max-channels the limit cannot serve is refused with a message saying how many fit; without the flag, the default is lowered to that number, with a log line.",
    },
    Flag {
        short: "",
        long: "log-level",
        arg: Arg::Required("LEVEL"),
        multi: false,
        summary: "none, major, problems, low-level or all-info.",
        default: Some("major"),
        doc: "none logs nothing; major logs logins and message transfers; problems adds non-fatal errors; low-level adds every protocol line (passwords masked); all-info adds link-level records (bytes, TLS). Every record of a session carries its tag IMAP-nnnnn. Records go to standard error.",
    },
    Flag {
        short: "",
        long: "log-file",
        arg: Arg::Required("FILE"),
        multi: false,
        summary: "Append log records to FILE instead of standard error; SIGHUP reopens it.",
        default: None,
        doc: "Log records are appended to FILE (made with mode 0640 when missing) instead of going to standard error. SIGHUP opens the file again, so logrotate can move it away and signal tegami; the directory must be writable by the --user that tegami runs as. Under systemd, leave it out: the journal takes standard error.",
    },
    Flag {
        short: "",
        long: "no-cleartext-login",
        arg: Arg::None,
        multi: false,
        summary: "Refuse LOGIN, AUTHENTICATE PLAIN and LOGIN on every unencrypted connection.",
        default: None,
        doc: "Even from the server's own address (which the default allows). Such connections advertise LOGINDISABLED and no clear-text AUTH= methods until STARTTLS.",
    },
    Flag {
        short: "",
        long: "allow-cleartext-login",
        arg: Arg::None,
        multi: false,
        summary: "Allow LOGIN, AUTHENTICATE PLAIN and LOGIN on unencrypted connections from anywhere.",
        default: None,
        doc: "By default, as Dovecot's disable_plaintext_auth, an unencrypted connection may send a password only when the client's address is the server's own (a client on the same host); others are told LOGINDISABLED and must use STARTTLS or the TLS port. This flag lifts the rule (passwords then cross the network readable); --no-cleartext-login overrides it.",
    },
    Flag {
        short: "U",
        long: "user",
        arg: Arg::Required("USER[:GROUP]"),
        multi: false,
        summary: "After binding the listeners, run as this user and group.",
        default: None,
        doc: "Ports below 1024 need root to bind; once bound, tegami switches the whole process to this user (and its group, or GROUP), so mail files are never handled as root. The usual set-up is one vmail user owning every maildir.",
    },
    Flag {
        short: "",
        long: "first-valid-uid",
        arg: Arg::Required("UID"),
        multi: false,
        summary: "Running as root without --user, the lowest uid a session may access mail as.",
        default: Some("500"),
        doc: "Without --user, a server running as root gives each logged-in session its account's uid and gid (passwd-file columns 3 and 4, or userdb_uid and userdb_gid) for every file it touches, as Dovecot does; mail is never accessed as root. An account whose uid is below UID, or that has no uid (it would be served as root), cannot log in, and the log says why (Dovecot's first_valid_uid). --demo serves its own accounts as the process.",
    },
    Flag {
        short: "",
        long: "max-line",
        arg: Arg::Required("BYTES"),
        multi: false,
        summary: "Longest command line accepted, literals excluded.",
        default: Some("65536"),
        doc: "",
    },
    Flag {
        short: "",
        long: "max-literal",
        arg: Arg::Required("BYTES"),
        multi: false,
        summary: "Largest literal accepted (the largest message APPEND takes).",
        default: Some("67108864"),
        doc: "",
    },
    Flag {
        short: "",
        long: "max-held-literal",
        arg: Arg::Required("BYTES"),
        multi: false,
        summary: "Largest literal of a command that holds it in memory (every command but APPEND's streamed messages).",
        default: Some("1048576"),
        doc: "APPEND streams its messages to tmp/ and is bounded by --max-literal; the literals of other commands (a SEARCH string, a LOGIN password) are read into memory and are refused over this size when announced: a synchronizing literal gets NO [TOOBIG] without a continuation, a non-synchronizing one NO [TOOBIG], then BYE, and the connection closed rather than its octets read.",
    },
    Flag {
        short: "",
        long: "max-command",
        arg: Arg::Required("BYTES"),
        multi: false,
        summary: "Largest total size of one command after login, every literal included (MULTIAPPEND too).",
        default: Some("268435456"),
        doc: "A command whose line and literals together would pass this size is refused with NO [TOOBIG] as soon as the literal that passes it is announced (before its octets are read).",
    },
    Flag {
        short: "",
        long: "max-preauth-command",
        arg: Arg::Required("BYTES"),
        multi: false,
        summary: "Largest total size of one command's literals, with the text before them, before login.",
        default: Some("8192"),
        doc: "Before authentication a client may send only small literals (a user name, a password) and small commands, so unauthenticated connections cannot fill the server's memory. A synchronizing literal over the limit is answered NO [TOOBIG] without a continuation; a non-synchronizing one (LITERAL+) is answered NO [TOOBIG], then BYE, and the connection closed rather than its octets read.",
    },
    Flag {
        short: "",
        long: "max-fetch-buffer",
        arg: Arg::Required("BYTES"),
        multi: false,
        summary: "Responses a FETCH or URLFETCH may queue in memory before they are written to the client.",
        default: Some("1048576"),
        doc: "Responses a FETCH or URLFETCH may queue in memory before they are written to the client (also inside one message's response). Larger writes wake the client's side fewer times per megabyte: at 1 MiB large message bodies go out with about a twelfth less server CPU than at 256 KiB (contrib/bench/README.md, scenario 4). The queue is given back after the command that grew it.",
    },
    Flag {
        short: "",
        long: "max-client-memory",
        arg: Arg::Required("BYTES"),
        multi: false,
        summary: "Memory all sessions together may hold for their clients: literals read into memory, messages loaded to answer FETCH and URLFETCH.",
        default: Some("268435456"),
        doc: "A command that would pass it waits up to ten seconds for other sessions to give memory back, then is answered NO [LIMIT]. Responses are written to the client as they are made (see --max-fetch-buffer), so what a session holds beyond this budget is small and fixed.",
    },
    Flag {
        short: "",
        long: "login-timeout",
        arg: Arg::Required("SECONDS"),
        multi: false,
        summary: "Deadline from connect for the TLS handshake and the login, however slowly input trickles in.",
        default: Some("60"),
        doc: "An absolute deadline, not a timeout per read: a client that has not logged in this many seconds after it connected is sent BYE and disconnected, even if it keeps sending a byte now and then. STARTTLS and failed attempts do not extend it.",
    },
    Flag {
        short: "",
        long: "autologout",
        arg: Arg::Required("SECONDS"),
        multi: false,
        summary: "Inactivity after login before the server logs the client out (at least 1800, RFC 3501 5.4).",
        default: Some("1860"),
        doc: "IDLE is activity: its keepalive resets the clock.",
    },
    Flag {
        short: "",
        long: "write-timeout",
        arg: Arg::Required("SECONDS"),
        multi: false,
        summary: "A client that reads nothing of the server's output for this long is disconnected.",
        default: Some("120"),
        doc: "Without it, a client that pipelines commands and never reads the answers would hold its channel for ever once the socket buffers are full. The channel is freed as soon as the write gives up.",
    },
    Flag {
        short: "",
        long: "tcp-keepalive",
        arg: Arg::Required("SECONDS"),
        multi: false,
        summary: "Idle time before TCP keepalive probes start; 0 turns keepalive off.",
        default: Some("300"),
        doc: "Probes then go out every quarter of this time, four times, so a client that vanished without a word (a laptop closed, a NAT timeout) frees its channel.",
    },
    Flag {
        short: "",
        long: "max-channels-per-ip",
        arg: Arg::Required("N"),
        multi: false,
        summary: "Concurrent connections from one client address; more are refused with BYE; 0 for no limit.",
        default: Some("100"),
        doc: "Like Dovecot's mail_max_userip_connections, but counted per address before login, so one host cannot take every channel. IPv4-mapped IPv6 addresses count as their IPv4 address.",
    },
    Flag {
        short: "",
        long: "tls-backend",
        arg: Arg::Required("NAME"),
        multi: false,
        summary: "rustls, or native (the system's OpenSSL, for clients that only speak old TLS).",
        default: Some("rustls"),
        doc: "native is there only when tegami was built with the native-tls feature (cargo build --features native-tls); it takes the same --cert and the key in PKCS#8 form, and SIGHUP reloads it too.",
    },
    Flag {
        short: "",
        long: "idle-keepalive",
        arg: Arg::Required("SECONDS"),
        multi: false,
        summary: "Interval of the \"* OK Still here\" sent during IDLE.",
        default: Some("120"),
        doc: "",
    },
    Flag {
        short: "",
        long: "alerts-dir",
        arg: Arg::Required("DIR"),
        multi: false,
        summary: "Spool of the domain-wide and server-wide alerts that tegami alert queues.",
        default: None,
        doc: "Domain-wide and server-wide alerts (tegami alert @DOMAIN or --all) are files in this directory; each is shown once as * OK [ALERT] text to every account it names that is logged in or logs in while the file is there (remove the file to withdraw it). An account's own alerts live in tegami-alerts/ in its maildir and need no flag. The directory is made when missing.",
    },
    Flag {
        short: "",
        long: "quota",
        arg: Arg::Required("LIMITS"),
        multi: false,
        summary: "Default quota of accounts without a quota_rule field: storage=SIZE,messages=N.",
        default: Some("none"),
        doc: "The QUOTA limits (RFC 9208) of every account whose passwd-file entry has no quota_rule (or userdb_quota_rule) field, e.g. storage=1G,messages=50000. Sizes take the units b, k, M, G, T; a bare storage number is in kilobytes, as in Dovecot's quota_rule, whose form *:storage=1G is accepted too. 0 or none is no limit. Usage is kept in the Maildir++ maildirsize file at each maildir root; limits set by SETQUOTA are kept in the file tegami-quota beside it and take precedence over both.",
    },
    Flag {
        short: "",
        long: "metadata-max-size",
        arg: Arg::Required("BYTES"),
        multi: false,
        summary: "Largest value of one METADATA entry (RFC 5464).",
        default: Some("65536"),
        doc: "SETMETADATA refuses a larger value with NO [METADATA MAXSIZE n] and changes nothing. The value cannot pass --max-held-literal either, the largest literal a command other than APPEND may send.",
    },
    Flag {
        short: "",
        long: "metadata-max-entries",
        arg: Arg::Required("N"),
        multi: false,
        summary: "Most METADATA entries per mailbox (and for the server), counted for shared entries and for each user's private ones.",
        default: Some("100"),
        doc: "A SETMETADATA that would leave more shared entries, or more private entries of its user, on one mailbox (or on the server, mailbox \"\") is refused with NO [METADATA TOOMANY] and changes nothing.",
    },
    Flag {
        short: "",
        long: "monitor",
        arg: Arg::Required("[ADDR:]PORT"),
        multi: false,
        summary: "HTTP listener of the live session table, statistics and Prometheus metrics.",
        default: Some("off"),
        doc: "Serves, over HTTP on this address (a bare port such as 8143 listens on 127.0.0.1 only; another address, e.g. 0.0.0.0:8143, is taken as given and should come with --monitor-auth), GET / (the session table for a browser: ID IMAP-nnnnn, IP address, account, connected time, state, time of the running command, octets in and out, TLS; and the server statistics), /sessions.json, /stats.json, /sessions.txt, /stats.txt and /metrics (Prometheus text format), and POST /kick/ID, which ends a session with * BYE. POST /kick is refused (403) unless --monitor-auth is given, and needs the header X-Tegami-Monitor: 1 and no Origin of another site. The Host header must name the listener's address, localhost (on loopback) or a --monitor-host name, else 421. When --cert is given, a client that starts with a TLS handshake gets HTTPS with that certificate on the same port. tegami who, tegami kick and tegami stats talk to it, over HTTPS with --cacert.",
    },
    Flag {
        short: "",
        long: "monitor-auth",
        arg: Arg::None,
        multi: false,
        summary: "The monitor asks for HTTP basic auth of a server administrator.",
        default: None,
        doc: "Every monitor request must carry the name and password (HTTP basic auth) of a passwd-file account with the extra field tegami_admin=server. The login is an IMAP login's: the --auth-penalty delays of the client address (shared with IMAP), the same hash work whether the name is unknown, an administrator or not, the passdb fields nologin, fail and allow_nets; each refusal is logged at Problems level as \"monitor [ADDRESS:PORT] login failed: rip=ADDRESS [user=<ACCOUNT>] method=HTTP-BASIC reason=...\", which contrib/fail2ban matches.",
    },
    Flag {
        short: "",
        long: "monitor-host",
        arg: Arg::Required("NAME"),
        multi: true,
        summary: "A host name the monitor answers to (the Host header), besides its address and localhost.",
        default: None,
        doc: "Requests whose Host header names anything else (a web page whose name was made to resolve to the monitor's address, DNS rebinding) are refused with 421. Give the name used in the browser, e.g. --monitor-host mail.example.org; repeat for several.",
    },
    Flag {
        short: "",
        long: "agentx",
        arg: Arg::Required("SOCKET"),
        multi: false,
        summary: "Publishes the statistics over SNMP as an AgentX subagent of the system's snmpd (RFC 2741).",
        default: Some("off"),
        doc: "Connects to the master agent's socket, as snmpd.conf's agentXSocket names it: a path such as /var/agentx/master (or unix:PATH), or tcp:HOST:PORT such as tcp:127.0.0.1:705. snmpd.conf needs master agentx, and agentXPerms when tegami runs as another user than snmpd (e.g. agentXPerms 0660 0755 vmail vmail). tegami registers its row 143 of the applTable of NETWORK-SERVICES-MIB (RFC 2788, 1.3.6.1.2.1.27.1.1.COLUMN.143: applName, applVersion, applUptime, applOperStatus (up, quiescing after SIGTERM), applLastChange, applInboundAssociations (sessions now), applAccumulatedInboundAssociations, applLastInboundActivity, applRejectedInboundAssociations (refused at the channel cap), applDescription) and the scalars of contrib/snmp/TEGAMI-MIB.txt under 1.3.6.1.4.1.8072.9999.143.1.1 (sessions, peak, logins, failed logins, APPENDs, FETCHes, octets in and out, refusals, sessions by state), the same numbers as the monitor's /metrics. Everything is read-only. When snmpd is not there or restarts, tegami retries after 1 s, doubling up to 15 s, and logs one line per outage; IMAP is not affected.",
    },
    Flag {
        short: "",
        long: "urlauth-submit-user",
        arg: Arg::Required("USER"),
        multi: false,
        summary: "The account a submission server logs in as to fetch submit+ URLAUTH URLs.",
        default: None,
        doc: "URLFETCH serves a URL authorized for submit+name (RFC 4467) to sessions of this account, the one a submission server (BURL, RFC 4468) logs in as, and to name itself; without the flag, only to name.",
    },
    Flag {
        short: "",
        long: "demo",
        arg: Arg::Optional("DIR"),
        multi: false,
        summary: "Create (once) and serve a demo account demo/demo in DIR.",
        default: Some("./tegami-demo"),
        doc: "Creates, the first time, a passwd-file with the account demo (password demo), a maildir with sample messages and folders and a self-signed certificate in DIR; then listens on 127.0.0.1:1143 (clear text and STARTTLS) and 127.0.0.1:1993 (TLS) unless listeners are given.",
    },
    // Issue 23: the client's real address behind a proxy (see src/origin).
    Flag {
        short: "",
        long: "trusted-networks",
        arg: Arg::Required("CIDR,..."),
        multi: false,
        summary: "Proxies whose ID fields name the client (Dovecot's login_trusted_networks).",
        default: None,
        doc: "From these networks (addresses with a prefix length, comma-separated), the first ID command before login may carry x-originating-ip, x-originating-port, x-connected-ip, x-connected-port, x-session-id and x-proxy-ttl, as Dovecot's proxy and other fronts send them: the client's address is then the one the log, allow_nets, the --auth-penalty delays, --max-channels-per-ip, the monitor and fail2ban see. Such connections are not counted against --max-channels-per-ip until that ID names the client, and clear-text logins are allowed on them (the front applies the clear-text rule to the client's own connection, as Dovecot counts trusted connections secured). From any other address the fields are ignored and logged at Low-Level.",
    },
    Flag {
        short: "",
        long: "haproxy-trusted-networks",
        arg: Arg::Required("CIDR,..."),
        multi: false,
        summary: "Addresses allowed to send the PROXY protocol header on --listen-haproxy listeners.",
        default: None,
        doc: "On --listen-haproxy and --listen-tls-haproxy listeners a connection must come from these networks and begin with a PROXY protocol header (version 1 or 2, HAProxy's send-proxy and send-proxy-v2); otherwise it is closed without a word. The client's address in the header is then the connection's, as with --trusted-networks. Clear-text logins follow the client's connection as the header reports it: allowed when a v2 header says the client used TLS (send-proxy-v2-ssl), or when the client's address is the address it connected to, else as --no-cleartext-login and --allow-cleartext-login say.",
    },
    Flag {
        short: "",
        long: "listen-haproxy",
        arg: Arg::Required("ADDR:PORT"),
        multi: true,
        summary: "Clear-text listener behind HAProxy: each connection starts with a PROXY header; repeatable.",
        default: None,
        doc: "Like --listen (STARTTLS offered with a certificate), for connections from --haproxy-trusted-networks only, each beginning with a PROXY protocol header.",
    },
    Flag {
        short: "",
        long: "listen-tls-haproxy",
        arg: Arg::Required("ADDR:PORT"),
        multi: true,
        summary: "Implicit-TLS listener behind HAProxy: the PROXY header, then the TLS handshake; repeatable.",
        default: None,
        doc: "Like --listen-tls, for connections from --haproxy-trusted-networks only: the PROXY protocol header comes first, in clear, then the TLS handshake.",
    },
    Flag {
        short: "",
        long: "haproxy-timeout",
        arg: Arg::Required("SECS"),
        multi: false,
        summary: "Time a connection on a --listen-haproxy listener has to send its PROXY header.",
        default: Some("3"),
        doc: "Dovecot's haproxy_timeout. A header that is not complete by then, longer than 107 octets (v1) or 2 KiB (v2), or malformed closes the connection.",
    },
    Flag {
        short: "",
        long: "auth-http",
        arg: Arg::Required("[ADDR:]PORT"),
        multi: false,
        summary: "nginx mail proxy's auth_http endpoint: checks logins and names each user's backend.",
        default: Some("off"),
        doc: "Answers nginx's auth_http requests (GET with Auth-Method: plain, Auth-User and Auth-Pass URL-escaped, Auth-Protocol: imap, Auth-Login-Attempt, Client-IP) on this address (a bare port listens on 127.0.0.1 only; another address must be loopback unless --auth-http-remote is given). The password, the passdb fields (nologin, fail, allow_nets of Client-IP) and the --auth-penalty delays of Client-IP are an IMAP LOGIN's. A good login gets Auth-Status: OK with Auth-Server and Auth-Port: the account's host= (and port=, default 143) when it has one, else the --backends entry chosen for the user by rendezvous hashing. A refused one gets Auth-Status: Invalid login or password with Auth-Wait growing like the penalty (none after 10 attempts, so nginx closes); other methods and protocols are refused by name. Each refusal is logged at Problems level as \"auth-http [ADDRESS:PORT] login failed: rip=CLIENT-IP [user=<ACCOUNT>] method=PLAIN reason=...\", which contrib/fail2ban matches. Request heads of at most 8 KiB within 10 seconds, 32 connections at once.",
    },
    Flag {
        short: "",
        long: "auth-http-remote",
        arg: Arg::None,
        multi: false,
        summary: "Allow --auth-http on an address other than loopback.",
        default: None,
        doc: "The endpoint tells where users live and answers password guesses (with the penalty); put it on a non-loopback address only behind a firewall that lets nginx's hosts alone reach it.",
    },
    Flag {
        short: "",
        long: "backends",
        arg: Arg::Required("IP:PORT,..."),
        multi: false,
        summary: "The IMAP backends --auth-http spreads users over (rendezvous hashing of the user name).",
        default: None,
        doc: "Each user without a host= field goes to the backend with the highest hash of (user, backend), so a user stays on one backend across logins and adding a backend moves only the share of users it takes over (about 1/n), none between the others. Addresses must be IP addresses (nginx does not resolve Auth-Server).",
    },
    // Issue 23: maildirs on a network file system (see src/store/shared.rs).
    Flag {
        short: "",
        long: "shared-storage",
        arg: Arg::None,
        multi: false,
        summary: "Maildirs on NFS or another shared file system: no memory maps, polling, fsync, dotlocks only.",
        default: None,
        doc: "For maildirs that several backends reach over NFS, CephFS or the like (one backend per user at a time: the front pins users). Messages are read, never memory-mapped (a file another host truncates cannot fault); changes are found by polling every --poll-interval and on each command, not by inotify (which sees no other host's change); every directory changed (create, rename, unlink) and every file written is fsynced (but the cache tegami.cache, whose loss costs only time); locks are dotlocks holding pid:host without flock, broken when the holder is a process of this host that no longer runs, or, for a holder on another host, when neither the lock nor the file it guards changed for 2 minutes.",
    },
    Flag {
        short: "",
        long: "poll-interval",
        arg: Arg::Required("SECS"),
        multi: false,
        summary: "How often an idling session looks at a mailbox no inotify watch covers (always with --shared-storage).",
        default: Some("2"),
        doc: "Sessions in IDLE or waiting with NOTIFY look at the disk this often when their mailbox is not watched by inotify: with --shared-storage, or when inotify is not available. Every command looks at the disk as well.",
    },
    // The search index (issue 24, src/fts/).
    Flag {
        short: "",
        long: "no-search-index",
        arg: Arg::None,
        multi: false,
        summary: "Answer SEARCH by reading the messages, without the full-text index.",
        default: None,
        doc: "By default each mailbox gets a full-text index beside it (the file tegami-search.db), filled in the background as messages arrive and at the latest by the SEARCH that needs them; SEARCH TEXT, BODY, SUBJECT, FROM, TO, CC, BCC and HEADER with strings of three characters or more then read only the messages the index names. With this flag every SEARCH reads every message it needs, and no index is made or updated (existing ones are left alone; tegami index rebuilds one).",
    },
    Flag {
        short: "h",
        long: "help",
        arg: Arg::None,
        multi: false,
        summary: "Print this help.",
        default: None,
        doc: "",
    },
    Flag {
        short: "V",
        long: "version",
        arg: Arg::None,
        multi: false,
        summary: "Print the version.",
        default: None,
        doc: "",
    },
];

/// Builds the getopts parser from the table.
pub fn options() -> getopts::Options {
    let mut o = getopts::Options::new();
    for f in FLAGS {
        match (f.arg, f.multi) {
            (Arg::None, _) => o.optflag(f.short, f.long, f.summary),
            (Arg::Required(v), true) => o.optmulti(f.short, f.long, f.summary, v),
            (Arg::Required(v), false) => o.optopt(f.short, f.long, f.summary, v),
            (Arg::Optional(v), _) => o.optflagopt(f.short, f.long, f.summary, v),
        };
    }
    o
}

fn synopsis(f: &Flag) -> String {
    let mut s = String::new();
    if !f.short.is_empty() {
        s.push_str(&format!("-{}, ", f.short));
    }
    s.push_str(&format!("--{}", f.long));
    match f.arg {
        Arg::None => {}
        Arg::Required(v) => s.push_str(&format!(" {v}")),
        Arg::Optional(v) => s.push_str(&format!(" [{v}]")),
    }
    s
}

/// An administration subcommand as `--help` and the man page show it; the
/// binary passes the list (from `crate::admin`), so the flag table needs no
/// knowledge of the subcommands.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// Its usage line, after `tegami `.
    pub synopsis: &'static str,
    /// What it does, for the man page.
    pub doc: &'static str,
}

/// The text of `--help`, ending with the administration `subcommands`.
pub fn help(subcommands: &[Usage]) -> String {
    let mut s = format!(
        "tegami {}: an IMAP server for maildir folders\n\nUsage: tegami [OPTIONS]\n\nOptions:\n",
        env!("CARGO_PKG_VERSION")
    );
    for f in FLAGS {
        s.push_str(&format!("  {}\n      {}", synopsis(f), f.summary));
        if let Some(d) = f.default {
            s.push_str(&format!(" [default: {d}]"));
        }
        s.push('\n');
    }
    if !subcommands.is_empty() {
        s.push_str("\nAdministration (run instead of the server):\n");
        for sub in subcommands {
            s.push_str(&format!("  tegami {}\n", sub.synopsis));
        }
    }
    s
}

fn roff_escape(s: &str) -> String {
    let s = s.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

/// The man page `man/tegami.8`, generated from the table and the
/// administration `subcommands`.
pub fn man_page(subcommands: &[Usage]) -> String {
    let mut s = String::new();
    s.push_str(".\\\" Generated from src/config/flags.rs; TEGAMI_BLESS=1 cargo test man_page rewrites it.\n");
    s.push_str(".TH TEGAMI 8\n.SH NAME\ntegami \\- IMAP server for maildir folders\n");
    s.push_str(".SH SYNOPSIS\n.B tegami\n[\\fIOPTIONS\\fR]\n");
    s.push_str(".SH DESCRIPTION\ntegami serves the maildir folders that an MTA already delivers into, over IMAP4rev1 with STARTTLS and implicit TLS. Accounts come from a Dovecot passwd-file; UIDs and keywords are kept in Dovecot's files, so a maildir can move between the two servers.\n");
    s.push_str(".SH OPTIONS\n");
    for f in FLAGS {
        s.push_str(&format!(".TP\n.B {}\n", roff_escape(&synopsis(f))));
        let body = if f.doc.is_empty() { f.summary } else { f.doc };
        s.push_str(&roff_escape(body));
        if let Some(d) = f.default {
            s.push_str(&format!(" Default: {}.", roff_escape(d)));
        }
        s.push('\n');
    }
    if !subcommands.is_empty() {
        s.push_str(".SH ADMINISTRATION\nThese run instead of the server when the first argument names them.\n");
        for sub in subcommands {
            s.push_str(&format!(".TP\n.B tegami {}\n{}\n", roff_escape(sub.synopsis), roff_escape(sub.doc)));
        }
    }
    s.push_str(".SH EXAMPLES\nRun the demo account:\n.PP\n.nf\ntegami \\-\\-demo\n.fi\n.PP\nServe accounts of a passwd-file as the vmail user:\n.PP\n.nf\ntegami \\-u /etc/tegami/passwd \\-m /var/vmail/%d/%n \\-\\-cert fullchain.pem \\-\\-key key.pem \\-U vmail\n.fi\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_is_in_the_help() {
        let h = help(&[]);
        for f in FLAGS {
            assert!(h.contains(&format!("--{}", f.long)), "{}", f.long);
        }
    }

    #[test]
    fn man_page_escapes_dashes() {
        assert!(man_page(&[]).contains("\\-\\-max\\-channels"));
    }
}
