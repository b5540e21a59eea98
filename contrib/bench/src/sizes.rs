//! The sizes of every scenario, full and `--quick`, in one place so the
//! corpus generator and the load client agree.

/// Accounts, mailbox sizes and load parameters of one run.
#[derive(Clone, Debug)]
pub struct Sizes {
    /// Messages in `big`'s INBOX (scenarios 1 and 2).
    pub big: u32,
    /// Messages in `mid`'s INBOX (scenarios 3, 4 and 5).
    pub mid: u32,
    /// Whole messages fetched in scenario 4.
    pub bodies: u32,
    /// Messages appended in scenario 6, and the connections doing it.
    pub appends: u32,
    /// Connections of scenario 6.
    pub append_conns: u32,
    /// Accounts `mix0..` of scenario 7.
    pub mix_accounts: u32,
    /// Mailboxes of scenario 7 (two sessions on each).
    pub mix_mailboxes: u32,
    /// Messages in each scenario-7 mailbox.
    pub mix_messages: u32,
    /// Seconds scenario 7 runs.
    pub mix_seconds: u32,
    /// Idle connections of scenario 8.
    pub idlers: u32,
    /// Messages in `idle`'s INBOX.
    pub idle_messages: u32,
    /// Accounts `load0..` of scenario 12's per-account layouts (10 + 50
    /// sessions, each on an account no earlier run has touched).
    pub load_accounts: u32,
    /// Messages in each scenario-12 INBOX at the start, and the size the
    /// load keeps it near (imaptest appends while it holds fewer than 30).
    pub load_messages: u32,
    /// Seconds each scenario-12 run lasts.
    pub load_seconds: u32,
    /// Seconds of the long variant (`--long`: 10 sessions, one INBOX).
    pub load_long_seconds: u32,
    /// Messages in `hist`'s INBOX (the bench line of scenario 14).
    pub hist_messages: u32,
    /// Expunges that build `hist`'s history between the two measurements.
    pub hist_expunges: u32,
}

/// Folder names of the scenario-7 mailboxes, by index within an account.
pub const MIX_FOLDERS: [&str; 3] = ["INBOX", "Work", "Lists"];

impl Sizes {
    /// The sizes, or the scaled-down ones of `--quick`.
    pub fn new(quick: bool) -> Sizes {
        if quick {
            Sizes {
                big: 5_000,
                mid: 1_000,
                bodies: 1_000,
                appends: 400,
                append_conns: 4,
                mix_accounts: 10,
                mix_mailboxes: 25,
                mix_messages: 100,
                mix_seconds: 6,
                idlers: 100,
                idle_messages: 20,
                load_accounts: 60,
                load_messages: 30,
                load_seconds: 10,
                load_long_seconds: 60,
                hist_messages: 50,
                hist_expunges: 2_000,
            }
        } else {
            Sizes {
                big: 100_000,
                mid: 10_000,
                bodies: 1_000,
                appends: 2_000,
                append_conns: 4,
                mix_accounts: 10,
                mix_mailboxes: 25,
                mix_messages: 500,
                mix_seconds: 20,
                idlers: 1_000,
                idle_messages: 20,
                load_accounts: 60,
                load_messages: 30,
                load_seconds: 60,
                load_long_seconds: 600,
                hist_messages: 50,
                hist_expunges: 10_000,
            }
        }
    }

    /// Account and folder of scenario-7 mailbox `m`.
    pub fn mix_mailbox(&self, m: u32) -> (String, &'static str) {
        (format!("mix{}", m % self.mix_accounts), MIX_FOLDERS[(m / self.mix_accounts) as usize])
    }
}
