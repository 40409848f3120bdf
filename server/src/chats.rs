//! Chats in front of the store. A chat's participants never change, and a
//! message looks up one or two chats (the id it names, the pair's chat), so
//! lookups are answered from memory instead of a storage read per message.
//!
//! On a single node misses are remembered too (clients of the seed name
//! chats that never exist), which is sound because every chat is created
//! through [`Chats::create`] in this process. In a cluster a chat may be
//! created on another node, so misses are not remembered there.

use crate::store::{Chat, Store, StoreError};
use quick_cache::sync::Cache;
use std::sync::{Arc, Mutex};

/// Chat ids remembered; past this the least useful are dropped.
const CAPACITY: usize = 100_000;

/// Chats by id, cached.
pub(crate) struct Chats {
    store: Arc<dyn Store>,
    /// `None`: the store had no such chat when asked.
    cache: Cache<String, Option<Chat>>,
    /// Whether misses are cached (only when this process creates every chat).
    remember_misses: bool,
    /// Serializes remembering a miss with creating a chat, so a miss read
    /// before a creation never overwrites the created chat. Never held
    /// across an `.await`.
    creating: Mutex<u64>,
}

impl Chats {
    /// Chats read from and created in `store`; `remember_misses` only when
    /// no other process creates chats in it.
    pub(crate) fn new(store: Arc<dyn Store>, remember_misses: bool) -> Chats {
        Chats { store, cache: Cache::new(CAPACITY), remember_misses, creating: Mutex::new(0) }
    }

    /// The chat with this id, if it exists.
    pub(crate) async fn get(&self, id: &str) -> Result<Option<Chat>, StoreError> {
        if let Some(known) = self.cache.get(id) {
            return Ok(known);
        }
        let generation = self.generation();
        let found = self.store.chat(id).await?;
        match &found {
            Some(chat) => self.cache.insert(id.to_owned(), Some(chat.clone())),
            None if !self.remember_misses => {}
            None => {
                let creations = self.creating.lock().unwrap_or_else(|e| e.into_inner());
                // A chat created since the read may be this one: forget
                // the miss rather than risk hiding it.
                if *creations == generation {
                    self.cache.insert(id.to_owned(), None);
                }
            }
        }
        Ok(found)
    }

    /// Creates the chat unless its id exists; returns the chat as stored.
    pub(crate) async fn create(&self, chat: Chat) -> Result<Chat, StoreError> {
        let stored = self.store.create_chat(chat).await?;
        let mut creations = self.creating.lock().unwrap_or_else(|e| e.into_inner());
        *creations += 1;
        self.cache.insert(stored.id.clone(), Some(stored.clone()));
        Ok(stored)
    }

    fn generation(&self) -> u64 {
        *self.creating.lock().unwrap_or_else(|e| e.into_inner())
    }
}
