//! `twincast verify`: checks proof of play offline, from files only, trusting nothing but the log's public key
//! (docs/proof-of-play.md, "How a partner verifies").

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use twincast_core::proof::verify::{self, LogKey, PlayProof, Proof};

/// What to verify.
#[derive(Subcommand)]
pub enum VerifyCmd {
    /// A play's record and its inclusion in a signed checkpoint (`GET /api/v1/proof/plays/{ref}` saved as a file).
    Play {
        /// The log's verifier key (`<name>+<id>+<key>`), or a file holding it or `GET /api/v1/proof/key`'s JSON.
        #[arg(long)]
        key: String,
        /// The play's proof file.
        proof: PathBuf,
        /// A signed checkpoint you kept, used instead of the one in the proof file (same tree size).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// That a newer signed checkpoint extends an older one (`GET /api/v1/proof/consistency?from=&to=` saved).
    Consistency {
        /// The log's verifier key, or a file holding it.
        #[arg(long)]
        key: String,
        /// The older signed checkpoint.
        #[arg(long)]
        old: PathBuf,
        /// The newer signed checkpoint.
        #[arg(long)]
        new: PathBuf,
        /// The consistency proof file.
        proof: PathBuf,
    },
    /// A partner's report file (CSV or Parquet): its minisign signature by the log's key, and that its rows are
    /// what the plays of its evidence add up to, plays that are leaves of the signed checkpoint it names.
    Report {
        /// The log's verifier key, or a file holding it or `GET /api/v1/proof/key`'s JSON.
        #[arg(long)]
        key: String,
        /// The report's signature (`GET /api/v1/proof/reports/{partner}/minisig`).
        #[arg(long)]
        sig: PathBuf,
        /// The report's evidence (`GET /api/v1/proof/reports/{partner}/proof`).
        #[arg(long)]
        proof: PathBuf,
        /// A signed checkpoint you kept, used instead of the one in the evidence (same tree size).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The report file.
        file: PathBuf,
    },
}

fn read(p: &Path) -> Result<String> {
    std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))
}

/// The verifier key given on the command line: the key itself, or a file with it or with the key's JSON.
fn key(arg: &str) -> Result<String> {
    let p = Path::new(arg);
    if !p.is_file() {
        return Ok(arg.trim().to_string());
    }
    let text = read(p)?;
    Ok(match serde_json::from_str::<LogKey>(&text) {
        Ok(k) => k.vkey,
        Err(_) => text.trim().to_string(),
    })
}

/// Runs a verification; prints what was checked, fails with the reason.
pub fn run(cmd: VerifyCmd) -> Result<()> {
    match cmd {
        VerifyCmd::Play {
            key: k,
            proof,
            checkpoint,
        } => {
            let p: PlayProof = serde_json::from_str(&read(&proof)?)
                .with_context(|| format!("{} is not a play proof", proof.display()))?;
            let cp = checkpoint.as_deref().map(read).transpose()?;
            match verify::verify_play(&key(&k)?, &p, cp.as_deref()) {
                Ok(r) => {
                    println!(
                        "OK play {} (screen {}, partner {}, started {} UTC, {} ms, {}) is leaf {} of the signed log",
                        r.reference,
                        r.screen,
                        r.partner.as_deref().unwrap_or("-"),
                        r.started_at,
                        r.actual_ms,
                        if r.counted { "counted" } else { "not counted" },
                        p.index
                    );
                    Ok(())
                }
                Err(e) => bail!("FAILED: {e}"),
            }
        }
        VerifyCmd::Report {
            key: k,
            sig,
            proof,
            checkpoint,
            file,
        } => match report(&key(&k)?, &file, &sig, &proof, checkpoint.as_deref()) {
            Ok(m) => {
                println!("{m}");
                Ok(())
            }
            Err(e) => bail!("FAILED: {e}"),
        },
        VerifyCmd::Consistency {
            key: k,
            old,
            new,
            proof,
        } => {
            let p: Proof = serde_json::from_str(&read(&proof)?)
                .with_context(|| format!("{} is not a consistency proof", proof.display()))?;
            match verify::verify_consistency(&key(&k)?, &read(&old)?, &read(&new)?, &p) {
                Ok((a, b)) => {
                    println!("OK the log of {b} plays extends the log of {a} plays");
                    Ok(())
                }
                Err(e) => bail!("FAILED: {e}"),
            }
        }
    }
}

/// `twincast verify report`: the signature, the file's rows and checkpoint, the evidence.
fn report(
    vkey: &str,
    file: &Path,
    sig: &Path,
    proof: &Path,
    checkpoint: Option<&Path>,
) -> Result<String, String> {
    use twincast_core::report::{minisign, verify as rv};
    let verifier =
        twincast_core::proof::NoteVerifier::parse(vkey).map_err(|e| format!("the log key: {e}"))?;
    let bytes = std::fs::read(file).map_err(|e| format!("reading {}: {e}", file.display()))?;
    let sig = read(sig).map_err(|e| e.to_string())?;
    let trusted = minisign::verify(&verifier.key, &bytes, &sig)
        .map_err(|e| format!("the signature of {}: {e}", file.display()))?;
    let f = twincast_app::reports::files::read_report(&bytes)?;
    let p: rv::ReportProof = serde_json::from_str(&read(proof).map_err(|e| e.to_string())?)
        .map_err(|e| format!("{} is not a report's evidence: {e}", proof.display()))?;
    let cp = checkpoint
        .map(read)
        .transpose()
        .map_err(|e| e.to_string())?;
    let v = rv::verify_report(vkey, &f.rows, (f.size, &f.root), &p, cp.as_deref())?;
    if trusted != rv::trusted_comment(&p.partner, &p.from, &p.to, f.size, &f.root) {
        return Err(format!(
            "the signature's trusted comment ({trusted}) is not about this partner, period and checkpoint"
        ));
    }
    Ok(format!(
        "OK report of {} for {}..{}: {} rows from {} plays, signed by the log's key, every play a leaf of the \
         signed log of {} plays",
        p.partner, p.from, p.to, v.rows, v.plays, v.checkpoint.size
    ))
}
