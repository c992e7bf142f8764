use clap::Parser;
use leptos::config::get_configuration;
use server::config::{Cli, Command, LogFormat};
use server::{
    app_state, backup_command, open_storage, operator_command,
    router::{router_with, Network},
    serve::{serve, PerClient},
    usersig_command, webhook_options,
};
use tracing_subscriber::EnvFilter;

/// `server compress-chunks`: the build's last step (see `server::chunk_dictionary`).
fn compress_chunks(options: &leptos::config::LeptosOptions) {
    let done = server::chunk_dictionary::compress_chunks(options).unwrap_or_else(|e| fail(&e));
    let (mut brotli, mut dcb) = (0, 0);
    for chunk in &done {
        brotli += chunk.brotli;
        dcb += chunk.dcb.unwrap_or(chunk.brotli);
    }
    let written = done.iter().filter(|c| c.dcb.is_some()).count();
    println!(
        "compress-chunks: {written} of {} chunks compressed against the main module: {brotli} bytes as brotli, {dcb} as dcb",
        done.len()
    );
}

/// jemalloc: with tens of thousands of connections open, glibc's malloc left a stream's
/// memory at 35-38 KiB resident (its arenas fragment), jemalloc at about 19 KiB.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() {
    // clap reads the arguments and the environment; `--help` and a wrong flag or value end
    // the process here (exit code 0 and 2).
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    match cli.server_args().log_format {
        LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
        // One JSON object per line, with the request's id from its span.
        LogFormat::Json => tracing_subscriber::fmt().json().with_current_span(true).with_env_filter(filter).init(),
    }
    let mut leptos_options = match get_configuration(None) {
        Ok(conf) => conf.leptos_options,
        Err(e) => fail(&format!("Leptos configuration: {e}")),
    };
    server::assets::detect_hashed_files(&mut leptos_options);
    let admin_password = std::env::var("CONSOLE_ADMIN_PASSWORD").ok();
    let config = cli.server_args().to_config(leptos_options.site_addr, admin_password);
    leptos_options.site_addr = config.addr;
    // A subcommand runs, says what went wrong if anything did, and ends the process.
    if let Some(command) = &cli.command {
        let ran = match command {
            Command::CompressChunks => {
                compress_chunks(&leptos_options);
                Ok(())
            }
            Command::Operator(command) => operator_command::run(command, &config).await,
            Command::Usersig(command) => usersig_command::run(command, &config).await,
            Command::Backup(command) => backup_command::backup(command, &config).await,
            Command::Restore(command) => backup_command::restore(command, &config).await,
        };
        if let Err(e) = ran {
            fail(&e.to_string());
        }
        return;
    }

    let (storage, engine) = open_storage(&config).await.unwrap_or_else(|e| fail(&e.to_string()));
    engine.start_background_tasks();
    // In the background, on every server: uploads nothing used within their grace, then the
    // files of images orphaned more than an hour ago and still unused (those, and a crash's
    // between a change and its file removal).
    let every = std::time::Duration::from_secs(600).min(config.unused_upload_grace);
    storage.spawn_sweeper(every, std::time::Duration::from_secs(3600), config.unused_upload_grace);
    let sessions = storage::auth::SessionLimits { idle: config.session_idle, max_age: config.session_max_age };
    let state =
        app_state(storage, sessions, webhook_options(&config), leptos_options).unwrap_or_else(|e| fail(&e.to_string()));
    // Every server delivers webhooks; the database hands each event to one at a time.
    state.webhooks.spawn_deliverer();
    match state.auth.ensure_first_operator(config.admin_password.clone()).await {
        Ok(Some(first)) => match first.password {
            Some(password) => println!(
                "\n  No operator existed, so one was created. Sign in with\n\n    Operator: {}\n    Password: {password}\n\n  This password is shown only now. Change it on the Operators page.\n",
                first.name
            ),
            None => tracing::info!(operator = %first.name, "first operator created with CONSOLE_ADMIN_PASSWORD"),
        },
        Ok(None) => {}
        Err(e) => fail(&format!("could not create the first operator: {e}")),
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .unwrap_or_else(|e| fail(&format!("could not listen on {}: {e}", config.addr)));
    tracing::info!("Channel Console listening on http://{}", config.addr);
    tracing::info!(data_dir = %config.data_dir.display(), database = %config.redacted_database_url());
    // Stopping ends the subscribers' streams at once, so that their clients resume on
    // another server instead of the shutdown waiting out its grace period for them.
    let (stop_streams, stop) = tokio::sync::watch::channel(false);
    let shutdown = async move {
        shutdown_signal().await;
        let _ = stop_streams.send(true);
    };
    let network = Network {
        trusted_proxies: config.trusted_proxies.clone(),
        public_origin: config.public_origin.clone(),
        metrics: config.metrics.clone(),
        shed: Some(config.shed),
        forwarded_header: config.forwarded_header,
        streams: server::subscriber::StreamOptions { stop: Some(stop), ..Default::default() },
        ..Network::default()
    };
    let per_client = PerClient { max: config.max_connections_per_client, exempt: config.trusted_proxies.clone() };
    if let Err(e) = serve(listener, router_with(state, network), config.connections, per_client, shutdown).await {
        fail(&format!("server error: {e}"));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
