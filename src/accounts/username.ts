/**
 * Usernames: 2 to 64 characters among ASCII letters, digits, `.`, `_`, `-` and `@` (so that an
 * e-mail address works, as Nextcloud logins often are), starting with a letter or a digit.
 * They appear in gpodder.net URL paths, hence the plain character set. Uniqueness ignores case:
 * `Alice` and `alice` are the same account; the spelling chosen at registration is kept.
 */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/;

export function usernameProblem(username: string): string | undefined {
  if (!USERNAME_PATTERN.test(username)) {
    return 'Usernames are 2 to 64 characters: letters, digits, ".", "_", "-" or "@", starting with a letter or a digit';
  }
  return undefined;
}

export function usernameKey(username: string): string {
  return username.toLowerCase();
}
