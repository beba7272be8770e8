"use client";
import { useActionState, useState } from "react";
import { FormError, TextField } from "@/components/forms/fields";
import { Button } from "@/components/ui/button";
import { type SignInState, signIn } from "../../session-actions";

export function LoginForm() {
  const [state, action, pending] = useActionState<SignInState, FormData>(signIn, {});
  const [username, setUsername] = useState(state.username ?? "");
  const [password, setPassword] = useState("");
  return (
    <form action={action} className="space-y-4" noValidate>
      <TextField
        label="Username"
        name="username"
        autoComplete="username"
        value={username}
        onValue={setUsername}
        error={state.fieldErrors?.username}
        autoFocus
      />
      <TextField
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        value={password}
        onValue={setPassword}
        error={state.fieldErrors?.password}
      />
      <FormError error={state.error} />
      <Button type="submit" busy={pending} className="w-full">
        Sign in
      </Button>
    </form>
  );
}
