"use client";
import type { AppRouter } from "@dittofs/daemon/router-types";
import { createTRPCContext } from "@trpc/tanstack-react-query";

/** Typed tRPC hooks; the router type is imported as a type only, never daemon code. */
export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();
