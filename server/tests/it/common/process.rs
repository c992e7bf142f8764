//! The real server binary as a child process, for tests that need real connections,
//! several servers or a kill.

use super::TestDb;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Server {
    pub name: String,
    pub child: Child,
    pub base: String,
    output: Arc<Mutex<String>>,
}

impl Server {
    pub fn start(db: &TestDb, name: &str) -> Self {
        Self::start_with(db, name, &[])
    }

    /// A server with more environment variables (limits, for instance). Its data directory
    /// is `db.data_dir/name`: a server started again under the same name finds its files.
    pub fn start_with(db: &TestDb, name: &str, env: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let data_dir = db.data_dir.join(name);
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .env("CONSOLE_ADDR", format!("127.0.0.1:{port}"))
            .env("CONSOLE_DATA_DIR", &data_dir)
            .env("DATABASE_URL", &db.url)
            .env("CONSOLE_MEDIA_URL", db.media_url.to_string())
            .env_remove("CONSOLE_ADMIN_PASSWORD")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let output = Arc::new(Mutex::new(String::new()));
        for stream in [
            child.stdout.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child.stderr.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let output = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    output.lock().unwrap().push_str(&(line + "\n"));
                }
            });
        }
        Self { name: name.to_owned(), child, base: format!("http://127.0.0.1:{port}"), output }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn wait_until_ready(&self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(reply) = client.get(self.url("/readyz")).send().await {
                if reply.status() == 200 {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{} did not become ready:\n{}", self.base, self.output.lock().unwrap());
    }

    pub fn printed_password(&self) -> Option<String> {
        let output = self.output.lock().unwrap();
        output.lines().find_map(|l| l.trim().strip_prefix("Password: ").map(str::to_owned))
    }
}

impl Server {
    /// Everything the process printed so far.
    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    pub fn port(&self) -> u16 {
        self.base.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
