use axum::serve::ListenerExt;
use leptos::config::get_configuration;
use server::{build_state, config, router::router};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{}", config::USAGE);
        return;
    }
    let mut leptos_options = match get_configuration(None) {
        Ok(conf) => conf.leptos_options,
        Err(e) => fail(&format!("Leptos configuration: {e}")),
    };
    let config = config::from_args_and_env(args, |k| std::env::var(k).ok(), leptos_options.site_addr)
        .unwrap_or_else(|e| fail(&format!("{e}\n\n{}", config::USAGE)));
    leptos_options.site_addr = config.addr;

    let state = build_state(&config, leptos_options)
        .await
        .unwrap_or_else(|e| fail(&format!("could not open {}: {e}", config.database_url)));
    // Pages are streamed in several writes; without TCP_NODELAY, Nagle's algorithm holds the
    // last one back until the client's delayed ACK (40 ms) on keep-alive connections.
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .unwrap_or_else(|e| fail(&format!("could not listen on {}: {e}", config.addr)))
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    tracing::info!("Channel Console listening on http://{}", config.addr);
    tracing::info!(data_dir = %config.data_dir.display(), database = %config.database_url);
    if let Err(e) = axum::serve(listener, router(state).into_make_service())
        .with_graceful_shutdown(shutdown_signal())
        .await
    {
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
