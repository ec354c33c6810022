//! `Serialize`/`Deserialize` for `ConcurrentMap` and `ConcurrentSet` (feature `serde`).
//!
//! Serialization walks the shards one at a time under each read lock (the snapshot
//! consistency of `ConcurrentMap::keys`), writing a map or sequence of unknown length: the
//! length cannot be known in advance without holding every lock at once.

use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::{ConcurrentMap, ConcurrentSet};

impl<K: Serialize, V: Serialize, S> Serialize for ConcurrentMap<K, V, S> {
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let mut out = serializer.serialize_map(None)?;
        let mut result = Ok(());
        self.for_each(|k, v| {
            if result.is_ok() {
                result = out.serialize_entry(k, v);
            }
        });
        result?;
        out.end()
    }
}

impl<'de, K, V, S> Deserialize<'de> for ConcurrentMap<K, V, S>
where
    K: Deserialize<'de> + Hash + Eq,
    V: Deserialize<'de>,
    S: BuildHasher + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Builds the map; `fn() -> _` keeps the visitor `Send`/`Sync` whatever `K`, `V`, `S`.
        type Marker<K, V, S> = PhantomData<fn() -> (K, V, S)>;
        struct MapVisitor<K, V, S>(Marker<K, V, S>);

        impl<'de, K, V, S> Visitor<'de> for MapVisitor<K, V, S>
        where
            K: Deserialize<'de> + Hash + Eq,
            V: Deserialize<'de>,
            S: BuildHasher + Default,
        {
            type Value = ConcurrentMap<K, V, S>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let map = ConcurrentMap::default();
                while let Some((k, v)) = access.next_entry()? {
                    map.insert(k, v);
                }
                Ok(map)
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

impl<T: Serialize, S> Serialize for ConcurrentSet<T, S> {
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let mut out = serializer.serialize_seq(None)?;
        let mut result = Ok(());
        self.as_map().for_each(|k, ()| {
            if result.is_ok() {
                result = out.serialize_element(k);
            }
        });
        result?;
        out.end()
    }
}

impl<'de, T, S> Deserialize<'de> for ConcurrentSet<T, S>
where
    T: Deserialize<'de> + Hash + Eq,
    S: BuildHasher + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SetVisitor<T, S>(PhantomData<fn() -> (T, S)>);

        impl<'de, T, S> Visitor<'de> for SetVisitor<T, S>
        where
            T: Deserialize<'de> + Hash + Eq,
            S: BuildHasher + Default,
        {
            type Value = ConcurrentSet<T, S>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let set = ConcurrentSet::default();
                while let Some(value) = access.next_element()? {
                    set.insert(value);
                }
                Ok(set)
            }
        }

        deserializer.deserialize_seq(SetVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_and_set_roundtrip_through_json() {
        let map: ConcurrentMap<String, u32> = [("a".to_owned(), 1)].into_iter().collect();
        let json = serde_json::to_string(&map).unwrap();
        assert_eq!(json, r#"{"a":1}"#);
        let back: ConcurrentMap<String, u32> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.get("a"), Some(1));

        let set: ConcurrentSet<u8> = [3].into_iter().collect();
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, "[3]");
        let back: ConcurrentSet<u8> = serde_json::from_str(&json).unwrap();
        assert!(back.contains(&3));
    }
}
