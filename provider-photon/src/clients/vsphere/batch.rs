//! Batched refresh: Terraform reads resources one RPC at a time (ten in flight during a
//! refresh), but vSphere answers a whole inventory in one property retrieval. The first read of
//! a refresh window retrieves the chosen properties of every object of the type through one
//! container view; reads arriving meanwhile wait for that batch instead of sending their own;
//! reads of objects the batch does not hold (created since, or of another type) fall back to a
//! single-object retrieval.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;
use vim::{Client, Error, FaultKind, ManagedObjectReference, ObjectContent};

/// How long a batch answers reads. A refresh of a thousand resources takes a few seconds at
/// Terraform's default parallelism; writes by this provider invalidate it at once.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(30);

/// Batched reads of fixed properties of one managed object type.
#[derive(Debug)]
pub struct BatchedReads {
    kind: &'static str,
    paths: &'static [&'static str],
    window: Duration,
    batch: Mutex<Option<Batch>>,
    /// Bumped by every write; a batch fetched under an older generation is not used.
    generation: AtomicU64,
}

#[derive(Debug)]
struct Batch {
    fetched: Instant,
    generation: u64,
    objects: Arc<HashMap<String, ObjectContent>>,
}

impl BatchedReads {
    /// Reads of `paths` of objects of type `kind`.
    pub fn new(kind: &'static str, paths: &'static [&'static str], window: Duration) -> Self {
        Self {
            kind,
            paths,
            window,
            batch: Mutex::new(None),
            generation: AtomicU64::new(0),
        }
    }

    /// Whether this reader reads `paths` of `kind`.
    pub fn serves(&self, kind: &str, paths: &[&str]) -> bool {
        self.kind == kind && self.paths == paths
    }

    /// The properties of `obj`, or `None` when it no longer exists.
    pub async fn read(
        &self,
        client: &Client,
        obj: &ManagedObjectReference,
    ) -> Result<Option<ObjectContent>, Error> {
        if obj.kind == self.kind {
            let objects = self.batch(client).await?;
            if let Some(content) = objects.get(&obj.value) {
                return Ok(Some(content.clone()));
            }
        }
        self.read_one(client, obj).await
    }

    /// Forgets the current batch: the next read retrieves a new one. Call after every change.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The current batch, retrieving it when there is none, it is stale or a write happened.
    /// The lock is held during the retrieval, so concurrent readers wait for it.
    async fn batch(&self, client: &Client) -> Result<Arc<HashMap<String, ObjectContent>>, Error> {
        let mut slot = self.batch.lock().await;
        let generation = self.generation.load(Ordering::SeqCst);
        if let Some(batch) = slot.as_ref()
            && batch.generation == generation
            && batch.fetched.elapsed() < self.window
        {
            return Ok(batch.objects.clone());
        }
        let started = Instant::now();
        let before = client.round_trips();
        let root = client.service_content().root_folder.clone();
        let objects: HashMap<String, ObjectContent> = client
            .retrieve(&root, self.kind, self.paths)
            .await?
            .into_iter()
            .map(|content| (content.obj.value.clone(), content))
            .collect();
        tracing::debug!(
            kind = self.kind,
            objects = objects.len(),
            round_trips = client.round_trips() - before,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "batched refresh retrieval"
        );
        let objects = Arc::new(objects);
        *slot = Some(Batch {
            fetched: Instant::now(),
            generation,
            objects: objects.clone(),
        });
        Ok(objects)
    }

    async fn read_one(
        &self,
        client: &Client,
        obj: &ManagedObjectReference,
    ) -> Result<Option<ObjectContent>, Error> {
        match client
            .retrieve_objects(std::slice::from_ref(obj), &obj.kind, self.paths)
            .await
        {
            Ok(mut objects) => Ok(objects.pop()),
            Err(error)
                if matches!(
                    error.fault().map(|fault| &fault.kind),
                    Some(FaultKind::ManagedObjectNotFound { .. })
                ) =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }
}
