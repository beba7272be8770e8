"use client";
/** Pages outside the console shell (sign-in, password change) fail into the console's own page too. */
export { default } from "./(console)/error";
