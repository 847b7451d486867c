export async function runGraphImport(_id: string, _o: unknown): Promise<void> {}
