/** The key form: shown when the gateway needs a credential, or refused the one given. */
import { useState } from 'preact/hooks';

export function SignIn(props: { message: string | null; onSubmit(credential: string): void }) {
  const [value, setValue] = useState('');
  return (
    <main class="sign-in">
      <h1>eventloom explorer</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (value.trim()) props.onSubmit(value.trim());
        }}
      >
        <label for="credential">API key or token</label>
        <input
          id="credential"
          name="credential"
          type="password"
          autocomplete="off"
          required
          value={value}
          onInput={(event) => setValue(event.currentTarget.value)}
        />
        <button type="submit">Open</button>
        <p class="hint">Kept in this tab only (sessionStorage) and sent as a Bearer credential.</p>
        {props.message && (
          <p class="error" role="alert">
            {props.message}
          </p>
        )}
      </form>
    </main>
  );
}
