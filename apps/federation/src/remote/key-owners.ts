/**
 * The actor each standalone keyId (GoToSocial's `<actor>/main-key`, no fragment) was found to
 * belong to, so a known actor's next signature is checked without fetching its key document
 * again. Only a hint: the key still counts only when the stored actor, read from its own
 * document, names that keyId. Bounded; the least recently used entry goes first.
 */
export class KeyOwners {
  private readonly owners = new Map<string, string>();

  constructor(private readonly capacity = 10_000) {}

  ownerOf(keyId: string): string | undefined {
    const owner = this.owners.get(keyId);
    if (owner === undefined) return undefined;
    // Map keeps insertion order: moving a hit to the end makes the first entry the stalest.
    this.owners.delete(keyId);
    this.owners.set(keyId, owner);
    return owner;
  }

  remember(keyId: string, owner: string): void {
    this.owners.delete(keyId);
    this.owners.set(keyId, owner);
    if (this.owners.size > this.capacity) this.owners.delete(this.owners.keys().next().value as string);
  }

  forget(keyId: string): void {
    this.owners.delete(keyId);
  }
}
