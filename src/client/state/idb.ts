/**
 * A tiny IndexedDB key-value store for what localStorage cannot hold: the last result image
 * (a PNG Blob) and the input images, so that a reload keeps them.
 */

const DB = "atelier";
const STORE = "kv";

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx<T>(
  mode: IDBTransactionMode,
  f: (s: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const req = f(db.transaction(STORE, mode).objectStore(STORE));
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  } finally {
    db.close();
  }
}

export function idbGet<T>(key: string): Promise<T | undefined> {
  return tx("readonly", (s) => s.get(key)).catch(() => undefined);
}

export function idbSet(key: string, value: unknown): Promise<void> {
  return tx("readwrite", (s) => s.put(value, key)).then(() => undefined, () => undefined);
}
