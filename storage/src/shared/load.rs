//! How busy the database is, for the metrics: the pool's connections and the write queue.

use crate::database::{Load, LoadStore};

on_both_engines! {
    impl LoadStore for Store {
        fn load(&self) -> Load {
            let options = self.pool.options();
            Load {
                connections: self.pool.size(),
                idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
                max_connections: options.get_max_connections(),
                write_queue: self.write_queue(),
            }
        }
    }
}
