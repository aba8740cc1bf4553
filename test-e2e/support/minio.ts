// The run's MinIO and a bucket per describe block: in @mammut/testing, which library specs use too.
export {
  adminClient,
  type MinioBucket,
  type MinioServer,
  minioServer,
  stopMinio,
  useMinio,
} from '@mammut/testing';
