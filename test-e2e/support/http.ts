/** A request to the system under test with an optional bearer token, as a plain HTTP client sends it. */
export function apiCall(
  baseUrl: string,
  path: string,
  init: RequestInit & { token?: string } = {},
): Promise<Response> {
  const { token, headers, ...rest } = init;
  return fetch(`${baseUrl}${path}`, {
    ...rest,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(headers as Record<string, string> | undefined),
    },
  });
}

/** The HTTP status a client call (masto) failed with, or undefined when it succeeded. */
export async function failureStatus(call: PromiseLike<unknown>): Promise<number | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    return (error as { statusCode?: number }).statusCode;
  }
}

/** The status and error message a client call (masto) failed with; nothing when it succeeded. */
export async function failure(call: PromiseLike<unknown>): Promise<{ status?: number; error?: string }> {
  try {
    await call;
    return {};
  } catch (error) {
    const e = error as { statusCode?: number; message?: string };
    return { status: e.statusCode, error: e.message };
  }
}
