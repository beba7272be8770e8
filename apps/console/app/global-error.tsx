"use client";
import "./globals.css";
import ConsoleError from "./(console)/error";

/** The root layout itself failed: the console's page with its own html and body, not Next's. */
export default function GlobalError(props: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body className="min-h-screen p-6 font-sans">
        <ConsoleError {...props} />
      </body>
    </html>
  );
}
