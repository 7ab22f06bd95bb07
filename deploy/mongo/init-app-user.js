/* global db */ // mongosh provides it (and process.env)
// Runs once, when MongoDB initialises an empty data directory (docker-entrypoint-initdb.d), as the root
// user: the app gets its own user, limited to reading and writing its database.
db.getSiblingDB('admin').createUser({
  user: 'isp',
  pwd: process.env.MONGO_APP_PASSWORD,
  roles: [{ role: 'readWrite', db: process.env.MONGO_DB || 'industrial_space' }],
});
