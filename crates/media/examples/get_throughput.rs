//! Rough throughput of `Storage::get` on a local store:
//! `cargo run --release -p twincast-media --example get_throughput -- [MB] [CLIENTS] [ROUNDS]`

use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>());
    let mb = args.next().transpose()?.unwrap_or(50);
    let clients = args.next().transpose()?.unwrap_or(16);
    let rounds = args.next().transpose()?.unwrap_or(4);
    let dir = tempfile::tempdir()?;
    let storage = twincast_media::Storage::open("", dir.path()).await?;
    let data: Vec<u8> = (0..mb * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    storage.put_bytes("bench/file.bin", data.into()).await?;
    let start = std::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let s = storage.clone();
        tasks.push(tokio::spawn(async move {
            let mut total = 0u64;
            for _ in 0..rounds {
                let mut st = s.get("bench/file.bin", None).await.expect("get");
                while let Some(chunk) = st.next().await {
                    total += chunk.expect("chunk").len() as u64;
                }
            }
            total
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await?;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} MiB in {secs:.2} s = {:.0} MiB/s",
        total >> 20,
        (total >> 20) as f64 / secs
    );
    Ok(())
}
