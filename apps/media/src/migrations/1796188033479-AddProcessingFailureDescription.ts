import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why processing failed, in words for the uploader (`failure_description`), beside
 * `processing_error`, which is for operators and may name storage or database trouble: only a
 * failure that is the file's own (it took too long to process, it cannot be decoded) is told to
 * the client.
 */
export class AddProcessingFailureDescription1796188033479 implements MigrationInterface {
  name = 'AddProcessingFailureDescription1796188033479';

  async up(q: QueryRunner): Promise<void> {
    const s = 'media';
    const statements: string[] = [
      `ALTER TABLE "${s}"."media_attachments" ADD COLUMN "failure_description" text`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
