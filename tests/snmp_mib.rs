//! contrib/snmp/TEGAMI-MIB.txt (issue 25, must-show 3): accepted by
//! libsmi's smilint and net-snmp's snmptranslate -Tp, independent of
//! NETWORK-SERVICES-MIB (which Debian does not ship), and naming the OIDs
//! the subagent serves.

mod snmp_common;

use std::process::Command;

const MIB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/snmp/TEGAMI-MIB.txt");

/// A net-snmp tool with only our MIB directories and a config path of
/// the test's own.
fn translate(tmp: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new("snmptranslate")
        .args(["-M", &snmp_common::mib_dirs(), "-m", "TEGAMI-MIB"])
        .args(args)
        .env("SNMPCONFPATH", tmp)
        .env("SNMP_PERSISTENT_DIR", tmp)
        .env_remove("MIBS")
        .env_remove("MIBDIRS")
        .output()
        .expect("snmptranslate (contrib/test installs Debian's snmp)");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn smilint_accepts_the_mib() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new("smilint")
        // No system configuration; only our directories; level 4 reports
        // errors and warnings (5 and 6 are only hints of style).
        .args(["-c", "/dev/null", "-l", "4", MIB])
        .env("SMIPATH", snmp_common::mib_dirs())
        .current_dir(tmp.path())
        .output()
        .expect("smilint (contrib/test installs Debian's smitools)");
    let report = String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && report.is_empty(), "smilint: {report}");
}

#[test]
fn snmptranslate_prints_the_tree_and_the_oids_the_subagent_serves() {
    let tmp = tempfile::tempdir().unwrap();
    let (ok, tree, err) = translate(tmp.path(), &["-Tp", "TEGAMI-MIB::tegamiMIB"]);
    // The only note allowed: net-snmp making its directory in the temp dir.
    let complaints: Vec<&str> = err.lines().filter(|l| !l.starts_with("Created directory: ")).collect();
    assert!(ok && complaints.is_empty(), "{err}");
    for line in [
        "+--tegamiMIB(1)",
        "+-- -R-- Counter64 tegamiLogins(4)",
        "+-- -R-- Counter64 tegamiLoginFailures(5)",
        "+-- -R-- Counter64 tegamiMessagesAppended(6)",
        "+-- -R-- Gauge     tegamiSessionsSelected(14)",
        "+-- -R-- TimeTicks tegamiUptime(16)",
        "+-- -R-- Counter64 tegamiDeliveriesNoticed(17)",
        "+-- -R-- Counter64 tegamiAlertsSent(18)",
        "+-- -R-- Counter64 tegamiReferralsGiven(19)",
    ] {
        assert!(tree.contains(line), "{line} missing:\n{tree}");
    }
    assert_eq!(tree.matches(" -R-- ").count(), 19, "{tree}");
    // The numeric OIDs are the subagent's.
    let objects: Vec<String> = tegami::agentx::mib::TEGAMI_OBJECTS.iter().map(u32::to_string).collect();
    let (ok, oid, err) = translate(tmp.path(), &["-On", "TEGAMI-MIB::tegamiLogins.0"]);
    assert!(ok, "{err}");
    assert_eq!(oid.trim(), format!(".{}.4.0", objects.join(".")));
}

#[test]
fn the_mib_does_not_import_network_services_mib() {
    let text = std::fs::read_to_string(MIB).unwrap();
    let imports = &text[text.find("IMPORTS").unwrap()..text.find(';').unwrap()];
    assert!(!imports.contains("NETWORK-SERVICES-MIB"), "{imports}");
    assert!(imports.contains("FROM SNMPv2-SMI"), "{imports}");
}
