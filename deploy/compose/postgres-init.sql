-- GENERATED from libs/contracts/src/catalog.ts by `npm run generate -w @ai-ninja/deploy`; do not edit.
CREATE DATABASE ai_ninja_phone_gateway;
CREATE DATABASE ai_ninja_realtime_processor;
CREATE DATABASE ai_ninja_conversation_engine;
CREATE DATABASE ai_ninja_profile_analytics;
CREATE DATABASE ai_ninja_user_management;
CREATE DATABASE ai_ninja_smart_whitelist;
CREATE DATABASE ai_ninja_configuration;
CREATE DATABASE ai_ninja_storage;
CREATE DATABASE ai_ninja_monitoring;
