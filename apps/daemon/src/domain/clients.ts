/** Connected protocol clients, as adapters register them and the control plane lists them. */

export interface ConnectedClient {
  id: string;
  protocol: string;
  address: string;
  share: string | null;
  user: string | null;
  since: Date;
}

export interface ClientRegistry {
  add(client: Omit<ConnectedClient, "id" | "since">): string;
  update(id: string, patch: Partial<Pick<ConnectedClient, "share" | "user">>): void;
  remove(id: string): void;
  list(): ConnectedClient[];
}
