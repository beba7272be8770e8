/**
 * Lists (issue 16 "Storage basics" and "Responsive layout"): every list sorts by its columns both
 * ways (a header click; a picker at phone width), the stores list has a search, tables turn into
 * cards below 768 px with every column's information on each card and nothing off-screen, and the
 * Daemon card wraps the daemon name only after a hyphen, never inside a word.
 */
import type { Locator, Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";
import { DAEMON_NAME } from "./support/env.ts";

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** The texts of one column of a table, top to bottom. */
async function column(table: Locator, header: string): Promise<string[]> {
  const headers = (await table.getByRole("columnheader").allTextContents()).map((h) =>
    h.replace(/[▲▼]/g, ""),
  );
  const index = headers.indexOf(header);
  expect(index, `column ${header} in ${headers.join(", ")}`).toBeGreaterThanOrEqual(0);
  // One read of every row at once: cell by cell, a long list (the audit log) took longer than the
  // retry window on a loaded machine, and a refetch between two cells mixed two orders.
  return table
    .locator("tbody tr")
    .evaluateAll((rows, i) => rows.map((row) => row.querySelectorAll("td")[i]?.textContent ?? ""), index);
}

function sortedCopy(values: string[], direction: "ascending" | "descending"): string[] {
  const byText = [...values].sort((a, b) => collator.compare(a, b));
  return direction === "ascending" ? byText : byText.reverse();
}

/** Clicks a header twice: ascending, then descending, each checked against the column's own text. */
async function expectSortable(table: Locator, header: string): Promise<void> {
  const th = table.getByRole("columnheader", { name: header });
  for (const direction of ["ascending", "descending"] as const) {
    await th.getByRole("button").click();
    await expect(th).toHaveAttribute("aria-sort", direction);
    await expect(async () => {
      const values = await column(table, header);
      expect(values.length).toBeGreaterThan(1);
      expect(values).toEqual(sortedCopy(values, direction));
    }).toPass({ timeout: 5_000 });
  }
}

test("every list sorts by its columns both ways, and the stores list has a search", async ({
  adminPage: page,
  api,
  unique,
}) => {
  const tag = unique("srt");
  const users = [`${tag}-b`, `${tag}-a10`, `${tag}-a9`];
  for (const [i, username] of users.entries()) {
    await api.users.create.mutate({
      username,
      password: `pw-${tag}-X1`,
      role: "user",
      uid: 47003 - i,
      mustChangePassword: false,
    });
  }
  const groups = [`${tag}-g2`, `${tag}-g10`];
  await api.groups.create.mutate({ name: groups[0]!, gid: 47102 });
  await api.groups.create.mutate({ name: groups[1]!, gid: 47101 });
  const stores = [`${tag}-m2`, `${tag}-m10`];
  for (const name of stores) await api.stores.metadata.create.mutate({ name, type: "memory", config: {} });
  // Their own tag: the stores search also matches a store by the shares using it.
  const shareTag = unique("lsh");
  const shares = [`/${shareTag}-s2`, `/${shareTag}-s10`];
  for (const [i, name] of shares.entries()) {
    await api.shares.create.mutate({
      name,
      metadataStore: "default",
      blockStore: "default",
      squash: i === 0 ? "none" : "root_squash",
    });
  }
  try {
    await page.goto("/users");
    await page.getByRole("searchbox", { name: "Search users" }).fill(tag);
    const usersTable = page.getByRole("table", { name: "Users" });
    await expect(usersTable.locator("tbody tr")).toHaveCount(3);
    for (const header of ["Username", "UID", "GID", "Role"]) await expectSortable(usersTable, header);
    // Natural order: a9 before a10; numbers as numbers.
    await usersTable.getByRole("columnheader", { name: "Username" }).getByRole("button").click();
    await expect(usersTable.getByRole("columnheader", { name: "Username" })).toHaveAttribute(
      "aria-sort",
      "ascending",
    );
    expect(await column(usersTable, "Username")).toEqual([`${tag}-a9`, `${tag}-a10`, `${tag}-b`]);

    await page.goto("/groups");
    await page.getByRole("searchbox", { name: "Search groups" }).fill(tag);
    const groupsTable = page.getByRole("table", { name: "Groups" });
    await expect(groupsTable.locator("tbody tr")).toHaveCount(2);
    for (const header of ["Name", "GID"]) await expectSortable(groupsTable, header);

    await page.goto("/shares");
    await page.getByRole("searchbox", { name: "Search shares" }).fill(shareTag);
    const sharesTable = page.getByRole("table", { name: "Shares" });
    await expect(sharesTable.locator("tbody tr")).toHaveCount(2);
    for (const header of ["Name", "Squash"]) await expectSortable(sharesTable, header);
    await sharesTable.getByRole("columnheader", { name: "Name" }).getByRole("button").click();
    expect(await column(sharesTable, "Name")).toEqual(shares);

    await page.goto("/adapters");
    const adaptersTable = page.getByRole("table", { name: "Adapters" });
    for (const header of ["Adapter", "Port"]) await expectSortable(adaptersTable, header);

    await page.goto("/audit");
    const auditTable = page.getByRole("table", { name: "Audit log" });
    // Newest first until another column is picked.
    await expect(auditTable.getByRole("columnheader", { name: "When" })).toHaveAttribute(
      "aria-sort",
      "descending",
    );
    for (const header of ["Actor", "Action"]) await expectSortable(auditTable, header);

    // Stores: one search over both lists (name, type, location or a share using the store).
    await page.goto("/stores");
    const metadata = page.getByRole("table", { name: "Metadata stores" });
    await expect(metadata.getByRole("row").filter({ hasText: stores[0]! })).toBeVisible();
    await page.getByRole("searchbox", { name: "Search stores" }).fill(tag);
    await expect(metadata.locator("tbody tr")).toHaveCount(2);
    await expect(page.getByText("No block stores match")).toBeVisible();
    await expectSortable(metadata, "Name");
    await metadata.getByRole("columnheader", { name: "Name" }).getByRole("button").click();
    expect(await column(metadata, "Name")).toEqual([`${tag}-m2`, `${tag}-m10`]);
    await page.getByRole("searchbox", { name: "Search stores" }).fill("/export");
    await expect(metadata.locator("tbody tr")).toHaveCount(1);
    await expect(metadata.locator("tbody tr")).toContainText("default");
  } finally {
    for (const name of shares) await api.shares.delete.mutate({ name });
    for (const username of users) await api.users.delete.mutate({ username });
    for (const name of groups) await api.groups.delete.mutate({ name });
    for (const name of stores) await api.stores.metadata.delete.mutate({ name });
  }
});

/** Each card's terms, the list's columns but the actions (their buttons sit at the card's foot). */
const CARD_TERMS: Record<string, { list: string; terms: string[] }> = {
  "/users": { list: "Users", terms: ["Username", "UID", "GID", "Role", "Status"] },
  "/groups": { list: "Groups", terms: ["Name", "GID", "Members"] },
  "/shares": {
    list: "Shares",
    terms: ["Name", "Metadata store", "Block store", "Protocols", "Access", "Squash", "Holds"],
  },
  "/stores": { list: "Metadata stores", terms: ["Name", "Type", "Location", "Health", "Used by", "Holds"] },
  "/adapters": { list: "Adapters", terms: ["Adapter", "Status", "Port", "Uptime", "Connections"] },
  "/audit": {
    list: "Audit log",
    terms: ["When", "Actor", "Address", "Action", "Target", "Result", "Detail"],
  },
  "/shares/export?tab=permissions": { list: "Permissions", terms: ["Subject", "Kind", "Level"] },
};

async function narrowPage(page: Page): Promise<void> {
  await page.setViewportSize({ width: 390, height: 844 });
}

test("at 390 px every list is cards carrying every column, sortable, with nothing off-screen", async ({
  adminPage: page,
  api,
  unique,
}) => {
  test.slow();
  const group = unique("card");
  await api.groups.create.mutate({ name: group });
  await api.shares.permissions.set.mutate({ name: "/export", group, level: "read" });
  try {
    await narrowPage(page);
    for (const [path, { list, terms }] of Object.entries(CARD_TERMS)) {
      await page.goto(path);
      const cards = page.getByRole("list", { name: list }).getByRole("listitem");
      await expect(cards.first(), path).toBeVisible();
      await expect(page.getByRole("table"), path).toHaveCount(0);
      expect(await cards.first().getByRole("term").allTextContents(), path).toEqual(terms);
      const overflow = await page.evaluate<number>(
        "document.documentElement.scrollWidth - window.innerWidth",
      );
      expect(overflow, `horizontal overflow on ${path}`).toBeLessThanOrEqual(0);
      // Nothing clipped inside a card, and every action button within the window.
      const clipped = await page.evaluate<number>(
        `[...document.querySelectorAll("li")].filter((li) => li.scrollWidth > li.clientWidth).length`,
      );
      expect(clipped, `clipped card on ${path}`).toBe(0);
      for (const button of await cards.first().getByRole("button").all()) {
        const box = await button.boundingBox();
        expect(box && box.x >= 0 && box.x + box.width <= 390, `${path}: ${await button.textContent()}`).toBe(
          true,
        );
      }
    }
    // The picker sorts the cards (the headers are gone): groups by name, both ways.
    await page.goto("/groups");
    await page.getByRole("searchbox", { name: "Search groups" }).fill("");
    const names = async () =>
      page
        .getByRole("list", { name: "Groups" })
        .getByRole("listitem")
        .evaluateAll((items) => items.map((li) => li.querySelector("dd")?.textContent ?? ""));
    await page.getByRole("combobox", { name: "Sort groups by" }).selectOption("Name");
    await expect(async () => {
      const v = await names();
      expect(v).toEqual(sortedCopy(v, "ascending"));
    }).toPass({ timeout: 5_000 });
    await page.getByRole("button", { name: "Sort descending" }).click();
    await expect(async () => {
      const v = await names();
      expect(v.length).toBeGreaterThan(1);
      expect(v).toEqual(sortedCopy(v, "descending"));
    }).toPass({ timeout: 5_000 });
  } finally {
    await api.shares.permissions.remove.mutate({ name: "/export", group });
    await api.groups.delete.mutate({ name: group });
  }
});

/** Where each line of an element's text starts: the index of its first character on each line. */
async function lineStarts(target: Locator): Promise<number[]> {
  return target.evaluate((el) => {
    const text = el.firstChild;
    if (text === null || text.nodeType !== 3) throw new Error("expected a text node");
    const length = (text.textContent ?? "").length;
    const starts: number[] = [];
    let lastTop = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < length; i++) {
      const range = el.ownerDocument.createRange();
      range.setStart(text, i);
      range.setEnd(text, i + 1);
      const top = range.getBoundingClientRect().top;
      if (top > lastTop + 1) starts.push(i);
      lastTop = top;
    }
    return starts;
  });
}

test("the Daemon card wraps the daemon name only after a hyphen", async ({ adminPage: page }) => {
  for (const width of [390, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto("/");
    const name = page.getByRole("group", { name: "Daemon" }).getByText(DAEMON_NAME, { exact: true });
    // The dashboard's first render waits on a dozen queries: well over 10 s at a load of 15-20.
    await expect(name).toBeVisible({ timeout: 30_000 });
    const starts = await lineStarts(name);
    for (const i of starts.slice(1)) {
      expect(DAEMON_NAME[i - 1], `line ${width} px starts at "${DAEMON_NAME.slice(i)}"`).toBe("-");
    }
    const box = await name.boundingBox();
    const card = await page.getByRole("group", { name: "Daemon" }).boundingBox();
    expect(box && card && box.x + box.width <= card.x + card.width).toBe(true);
  }
});
