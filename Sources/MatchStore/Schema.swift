import GRDB

/// The database schema as named migrations. A migration that has shipped is never edited: a change
/// is a new migration appended to the list.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(sql: foundation)
        }
        migrator.registerMigration("v2-runs") { db in
            try db.execute(sql: runs)
        }
        migrator.registerMigration("v3-change-log") { db in
            try db.execute(sql: changeLog)
        }
        migrator.registerMigration("v4-shared-run-lists") { db in
            try db.execute(sql: sharedRunLists)
            try RunStore.migrateLegacyShortlists(db)
            try db.execute(sql: "DROP TABLE run_shortlists")
        }
        migrator.registerMigration("v5-sample-requests") { db in
            try db.execute(sql: sampleRequests)
        }
        migrator.registerMigration("v6-creator-price-range") { db in
            // The price range of what a creator sells, as the platform gives it (profile vectors' price block).
            try db.execute(sql: """
                ALTER TABLE creators ADD COLUMN price_min REAL CHECK (price_min >= 0);
                ALTER TABLE creators ADD COLUMN price_max REAL CHECK (price_max >= price_min);
                """)
        }
        migrator.registerMigration("v7-run-list-cards") { db in
            // Lists keep compact entry cards (rendered when read) and their product's category; `entries`
            // stays for lists written before, and is empty for lists with cards.
            try db.execute(sql: """
                ALTER TABLE run_lists ADD COLUMN cards BLOB;
                ALTER TABLE run_lists ADD COLUMN category TEXT;
                """)
        }
        migrator.registerMigration("v8-run-creators") { db in
            // Each run keeps every listed creator's part of an entry once (username, followers, GMV, …);
            // lists written since keep only what depends on the product.
            try db.execute(sql: """
                CREATE TABLE run_creators (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    creator_id TEXT NOT NULL,
                    part BLOB NOT NULL,
                    PRIMARY KEY (run_id, creator_id)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v9-covering-outcomes-index") { db in
            // Sales per product over a window (commission evidence, eligibility) read from the index
            // alone: the old one made every row a lookup in the table (5x slower on 148k outcomes). It
            // has the old one's columns first, so it serves the same queries.
            try db.execute(sql: """
                CREATE INDEX outcomes_by_product_sales ON outcomes(product_id, day, creator_id, orders, gmv);
                DROP INDEX outcomes_by_product;
                """)
        }
        migrator.registerMigration("v10-invitation-removals-logged") { db in
            // An incremental rescore takes invitations to only ever be added (a shop's exclusion of a
            // creator then lapses only with the date): any writer that removes or re-dates one — a
            // cascade from a deleted creator or product, a hand-written DELETE — leaves a change-log
            // row, and the next incremental run recomputes those products' lists in full.
            try db.execute(sql: """
                CREATE TRIGGER invitations_removed AFTER DELETE ON invitations BEGIN
                    INSERT INTO change_log (writer, tables, at) VALUES ('trigger', '\(ChangeLog.invitationsRemoved)', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
                END;
                CREATE TRIGGER invitations_moved AFTER UPDATE OF creator_id, product_id, sent_at, sent_day ON invitations BEGIN
                    INSERT INTO change_log (writer, tables, at) VALUES ('trigger', '\(ChangeLog.invitationsRemoved)', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
                END;
                """)
        }
        return migrator
    }

    /// Free-sample requests with the creator snapshot the platform shows; `posted` / `not_posted`
    /// close a request whose sample went out.
    static let sampleRequests = """
        CREATE TABLE sample_requests (
            id TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
            creator_id TEXT NOT NULL REFERENCES creators(id) ON DELETE CASCADE,
            product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
            requested_at TEXT NOT NULL,
            requested_day TEXT NOT NULL CHECK (length(requested_day) = 10),
            status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'shipped', 'posted', 'not_posted', 'cancelled')),
            followers INTEGER CHECK (followers >= 0),
            gmv_30d REAL CHECK (gmv_30d >= 0),
            content_count INTEGER CHECK (content_count >= 0),
            median_video_views INTEGER CHECK (median_video_views >= 0),
            fulfillment_rate REAL CHECK (fulfillment_rate BETWEEN 0 AND 1),
            updated_at TEXT NOT NULL
        );
        CREATE INDEX sample_requests_by_product ON sample_requests(product_id, requested_day);
        CREATE INDEX sample_requests_by_creator ON sample_requests(creator_id);
        """

    /// A run's shortlists as one row per product list, shared by every run whose list for that product
    /// is the same (an incremental rescore writes only the lists that changed). `ranked` is the
    /// `RankedList` encoding: exact scores of the published creators and the reserve below them, and
    /// the boundary every unlisted creator ranks after. `entries` is the published JSON array.
    /// `run_state` keeps what the next incremental rescore compares against: per-creator digests.
    static let sharedRunLists = """
        CREATE TABLE run_lists (
            id INTEGER PRIMARY KEY,
            product_id TEXT NOT NULL,
            published INTEGER NOT NULL CHECK (published >= 0),
            ranked BLOB NOT NULL,
            entries TEXT NOT NULL
        );
        ALTER TABLE run_products ADD COLUMN list_id INTEGER REFERENCES run_lists(id);
        ALTER TABLE run_products ADD COLUMN digest TEXT;
        CREATE INDEX run_products_by_list ON run_products(list_id);
        CREATE TABLE run_state (
            run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
            depth INTEGER NOT NULL CHECK (depth >= 0),
            creator_digests BLOB NOT NULL CHECK (length(creator_digests) % 16 = 0)
        );
        """

    /// One row per write transaction of creatormatch: who wrote and which tables, so a warm server can
    /// tell its own writes (already applied in memory) from other writers' (which need a reload).
    static let changeLog = """
        CREATE TABLE change_log (
            id INTEGER PRIMARY KEY,
            writer TEXT NOT NULL,
            tables TEXT NOT NULL,
            at TEXT NOT NULL
        );
        """

    /// Rescoring runs: a manifest row per run and its results. A run's results are written in the same
    /// transaction that marks it published, so readers see the previous published run until then.
    static let runs = """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            status TEXT NOT NULL CHECK (status IN ('running', 'published', 'failed')),
            started_at TEXT NOT NULL,
            finished_at TEXT,
            as_of TEXT NOT NULL CHECK (length(as_of) = 10),
            rank_by TEXT NOT NULL,
            k INTEGER NOT NULL CHECK (k >= 0),
            models_digest TEXT NOT NULL,
            inputs_digest TEXT NOT NULL,
            code_version TEXT NOT NULL,
            manifest TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(manifest)),
            error TEXT,
            pid INTEGER
        );
        CREATE INDEX runs_by_status ON runs(status, id);

        CREATE TABLE run_products (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            product_id TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('eligible', 'temporarily_disqualified', 'permanently_disqualified', 'no_vector')),
            reasons TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(reasons)),
            suggested_rate INTEGER CHECK (suggested_rate BETWEEN 100 AND 8000),
            target_rate INTEGER CHECK (target_rate BETWEEN 100 AND 8000),
            PRIMARY KEY (run_id, product_id)
        ) WITHOUT ROWID;

        CREATE TABLE run_shortlists (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            product_id TEXT NOT NULL,
            rank INTEGER NOT NULL CHECK (rank >= 1),
            creator_id TEXT NOT NULL,
            score REAL NOT NULL,
            similarity REAL NOT NULL,
            entry TEXT NOT NULL CHECK (json_valid(entry)),
            PRIMARY KEY (run_id, product_id, rank)
        ) WITHOUT ROWID;
        """

    /// Shops, products, creators, vectors, outcomes, invitations and commission-rate history.
    /// Rates are integers in hundredths of a percent; days are `YYYY-MM-DD` text; vectors are
    /// little-endian float32 BLOBs whose length the schema checks against their dimension.
    static let foundation = """
        CREATE TABLE shops (
            id TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
            name TEXT,
            region TEXT,
            rating REAL NOT NULL CHECK (rating BETWEEN 0 AND 5),
            status TEXT NOT NULL CHECK (status IN ('active', 'deactivated')),
            counterfeit_violations TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(counterfeit_violations)),
            updated_at TEXT NOT NULL
        );

        CREATE TABLE products (
            id TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
            shop_id TEXT NOT NULL REFERENCES shops(id) ON DELETE RESTRICT,
            title TEXT,
            category TEXT NOT NULL,
            category_group TEXT NOT NULL CHECK (category_group IN ('electronics', 'fashion_lifestyle', 'fmcg')),
            price REAL NOT NULL CHECK (price > 0),
            currency TEXT,
            status TEXT NOT NULL CHECK (status IN ('live', 'out_of_stock', 'frozen', 'delisted')),
            commission_rate INTEGER CHECK (commission_rate BETWEEN 100 AND 8000),
            margin_rate INTEGER CHECK (margin_rate BETWEEN 0 AND 10000),
            orders INTEGER CHECK (orders >= 0),
            reviews INTEGER CHECK (reviews >= 0),
            negative_reviews INTEGER CHECK (negative_reviews >= 0),
            return_refund_cases INTEGER CHECK (return_refund_cases >= 0),
            seller_fault_return_refund_cases INTEGER CHECK (seller_fault_return_refund_cases >= 0),
            updated_at TEXT NOT NULL
        );
        CREATE INDEX products_by_shop ON products(shop_id);

        CREATE TABLE creators (
            id TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
            username TEXT,
            followers INTEGER NOT NULL CHECK (followers >= 0),
            categories TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(categories)),
            gmv_30d_min REAL, gmv_30d_max REAL,
            gpm_min REAL, gpm_max REAL,
            units_sold_30d_min REAL, units_sold_30d_max REAL,
            avg_views REAL CHECK (avg_views >= 0),
            engagement_rate REAL CHECK (engagement_rate BETWEEN 0 AND 1),
            post_rate REAL CHECK (post_rate BETWEEN 0 AND 1),
            avg_commission_rate INTEGER CHECK (avg_commission_rate BETWEEN 100 AND 8000),
            audience TEXT CHECK (audience IS NULL OR json_valid(audience)),
            content_types TEXT CHECK (content_types IS NULL OR json_valid(content_types)),
            updated_at TEXT NOT NULL,
            CHECK ((gmv_30d_min IS NULL) = (gmv_30d_max IS NULL) AND 0 <= gmv_30d_min AND gmv_30d_min <= gmv_30d_max),
            CHECK ((gpm_min IS NULL) = (gpm_max IS NULL) AND 0 <= gpm_min AND gpm_min <= gpm_max),
            CHECK ((units_sold_30d_min IS NULL) = (units_sold_30d_max IS NULL) AND 0 <= units_sold_30d_min AND units_sold_30d_min <= units_sold_30d_max)
        ) WITHOUT ROWID;

        -- One vector space per owner kind and model: every vector in it has the same dimension.
        CREATE TABLE vector_spaces (
            owner_kind TEXT NOT NULL CHECK (owner_kind IN ('creator', 'product')),
            model TEXT NOT NULL CHECK (length(model) > 0),
            model_version INTEGER NOT NULL,
            dimension INTEGER NOT NULL CHECK (dimension BETWEEN 1 AND 65536),
            created_at TEXT NOT NULL,
            PRIMARY KEY (owner_kind, model)
        ) WITHOUT ROWID;

        CREATE TABLE vectors (
            owner_kind TEXT NOT NULL,
            model TEXT NOT NULL,
            owner_id TEXT NOT NULL,
            model_version INTEGER NOT NULL,
            dimension INTEGER NOT NULL,
            data BLOB NOT NULL CHECK (length(data) = 4 * dimension),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (owner_kind, model, owner_id),
            FOREIGN KEY (owner_kind, model) REFERENCES vector_spaces(owner_kind, model)
        ) WITHOUT ROWID;

        CREATE TRIGGER vectors_check_insert BEFORE INSERT ON vectors BEGIN
            SELECT RAISE(ABORT, 'vector dimension differs from its vector space')
            WHERE NEW.dimension IS NOT (SELECT dimension FROM vector_spaces WHERE owner_kind = NEW.owner_kind AND model = NEW.model);
            SELECT RAISE(ABORT, 'vector owner does not exist')
            WHERE (NEW.owner_kind = 'creator' AND NOT EXISTS (SELECT 1 FROM creators WHERE id = NEW.owner_id))
               OR (NEW.owner_kind = 'product' AND NOT EXISTS (SELECT 1 FROM products WHERE id = NEW.owner_id));
        END;
        CREATE TRIGGER vectors_check_update BEFORE UPDATE ON vectors BEGIN
            SELECT RAISE(ABORT, 'vector dimension differs from its vector space')
            WHERE NEW.dimension IS NOT (SELECT dimension FROM vector_spaces WHERE owner_kind = NEW.owner_kind AND model = NEW.model);
        END;
        CREATE TRIGGER creators_delete_vectors AFTER DELETE ON creators BEGIN
            DELETE FROM vectors WHERE owner_kind = 'creator' AND owner_id = OLD.id;
        END;
        CREATE TRIGGER products_delete_vectors AFTER DELETE ON products BEGIN
            DELETE FROM vectors WHERE owner_kind = 'product' AND owner_id = OLD.id;
        END;

        CREATE TABLE outcomes (
            creator_id TEXT NOT NULL REFERENCES creators(id) ON DELETE CASCADE,
            product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
            day TEXT NOT NULL CHECK (length(day) = 10),
            content_type TEXT NOT NULL DEFAULT 'unspecified' CHECK (content_type IN ('video', 'live', 'showcase', 'unspecified')),
            orders INTEGER NOT NULL CHECK (orders >= 0),
            gmv REAL NOT NULL CHECK (gmv >= 0),
            commission_rate INTEGER NOT NULL CHECK (commission_rate BETWEEN 100 AND 8000),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (creator_id, product_id, day, content_type)
        ) WITHOUT ROWID;
        CREATE INDEX outcomes_by_product ON outcomes(product_id, day);

        CREATE TABLE invitations (
            creator_id TEXT NOT NULL REFERENCES creators(id) ON DELETE CASCADE,
            product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
            sent_at TEXT NOT NULL,
            sent_day TEXT NOT NULL CHECK (length(sent_day) = 10),
            status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'expired')),
            commission_rate INTEGER CHECK (commission_rate BETWEEN 100 AND 8000),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (creator_id, product_id, sent_at)
        ) WITHOUT ROWID;
        CREATE INDEX invitations_by_product ON invitations(product_id, sent_day);

        -- Every change of a product's open-collaboration rate. A raise applies on the day it is made;
        -- a cut applies later (Models/platform.json): to targeted invitations and to creators already
        -- promoting the product, on the days recorded here.
        CREATE TABLE commission_rate_changes (
            id INTEGER PRIMARY KEY,
            product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
            previous_rate INTEGER CHECK (previous_rate BETWEEN 100 AND 8000),
            rate INTEGER NOT NULL CHECK (rate BETWEEN 100 AND 8000),
            changed_on TEXT NOT NULL CHECK (length(changed_on) = 10),
            effective_on TEXT NOT NULL CHECK (effective_on >= changed_on),
            existing_promoters_effective_on TEXT NOT NULL CHECK (existing_promoters_effective_on >= changed_on),
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX commission_rate_changes_by_product ON commission_rate_changes(product_id, changed_on);
        """
}
